import pytest


@pytest.mark.jackd_limit(pool="db", max_running=2)
class TestDatabase:
    def test_one(self):
        pass

    def test_two(self):
        pass

    @pytest.mark.parametrize("n", range(2))
    def test_param(self, n):
        pass
