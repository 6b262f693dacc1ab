import pytest


def test_before():
    pass


def test_calls_pytest_exit():
    pytest.exit("bye")


def test_after():
    pass
