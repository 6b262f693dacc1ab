"""Run-alone tests first in collection order: a scheduler that handed them out with the others would
start them at once."""
import pytest


@pytest.mark.serial
def test_serial_first():
    pass


@pytest.mark.exclusive
def test_exclusive_first():
    pass


def test_bench_first(measured):
    measured()


@pytest.mark.parametrize("n", range(4))
def test_parallel_a(n):
    pass
