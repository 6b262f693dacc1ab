import os


def test_first():
    assert os.getpid() > 0


def test_second():
    assert os.getpgid(0) > 0
