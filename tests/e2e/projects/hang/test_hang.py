def test_before_hang():
    pass


def test_sleeps_forever(hang):
    hang()


def test_after_hang():
    pass
