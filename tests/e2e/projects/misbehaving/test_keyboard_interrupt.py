def test_before():
    pass


def test_raises_keyboard_interrupt():
    raise KeyboardInterrupt


def test_after():
    pass
