import sys

FIFTY_MB = 50 * 1024 * 1024


def test_before():
    pass


def test_prints_50_mb_and_passes():
    line = "x" * 1023 + "\n"
    for _ in range(FIFTY_MB // 1024):
        sys.stdout.write(line)


def test_prints_50_mb_and_fails():
    line = "y" * 1023 + "\n"
    for _ in range(FIFTY_MB // 1024):
        sys.stdout.write(line)
    assert False, "failed after printing 50 MB"


def test_after():
    pass
