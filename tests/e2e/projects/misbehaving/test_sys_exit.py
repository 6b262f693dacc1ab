import sys


def test_before():
    pass


def test_calls_sys_exit():
    sys.exit(3)


def test_after():
    pass
