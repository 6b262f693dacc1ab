import os


def test_before():
    pass


def test_dup2s_devnull_over_fds_0_to_2():
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def test_after():
    print("output after /dev/null replaced the standard descriptors")
