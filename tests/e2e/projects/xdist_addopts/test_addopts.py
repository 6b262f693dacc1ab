import pytest


@pytest.mark.parametrize("n", range(6))
def test_numbers(n):
    assert n < 6
