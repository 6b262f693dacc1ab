import os


def test_before():
    pass


def test_closes_fds_0_to_2():
    for fd in (0, 1, 2):
        os.close(fd)


def test_after():
    print("output after the standard descriptors were closed")
