def test_null_pointer_read(crash_once):
    crash_once("ctypes")


def test_after_null_pointer_read():
    pass
