"""Two tests of 0.15 s: 0.3 s together."""
import time


def test_medium_one():
    time.sleep(0.15)


def test_medium_two():
    time.sleep(0.15)
