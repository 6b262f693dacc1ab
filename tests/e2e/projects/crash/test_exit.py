def test_before_exit():
    pass


def test_exit(crash_once):
    crash_once("exit")


def test_after_exit():
    pass
