"""Two tests of 0.3 s: the slowest file (0.6 s), collected last, with fewer tests than test_fast."""
import time


def test_slow_one():
    time.sleep(0.3)


def test_slow_two():
    time.sleep(0.3)
