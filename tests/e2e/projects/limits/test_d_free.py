import pytest


@pytest.mark.parametrize("n", range(8))
def test_free(n):
    pass
