def test_before_segfault():
    pass


def test_segfault(crash_once):
    crash_once("segv")


def test_after_segfault():
    pass


def test_last_in_segfault_module():
    pass
