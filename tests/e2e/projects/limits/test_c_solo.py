"""Pool "solo" (max_running defaults to 1)."""
import pytest

pytestmark = pytest.mark.jackd_limit("solo")


@pytest.mark.parametrize("n", range(3))
def test_solo(n):
    pass
