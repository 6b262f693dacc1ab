import pytest


@pytest.mark.parametrize("n", range(4))
def test_plain(n):
    assert n >= 0
