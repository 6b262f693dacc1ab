"""Pool "db", at most 2 at once, first in collection order (after one "solo" test) and in two files."""
import pytest


@pytest.mark.jackd_limit("solo")
def test_solo_first():
    pass


@pytest.mark.jackd_limit("db", 2)
@pytest.mark.parametrize("n", range(4), ids=["a::b", "c[d]", "e@f", "g h"])
def test_db(n):
    pass
