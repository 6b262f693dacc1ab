import pytest


@pytest.mark.parametrize("n", range(5))
def test_parallel_c(n):
    pass


@pytest.mark.exclusive
def test_exclusive_last():
    pass


@pytest.mark.serial
def test_serial_last():
    pass
