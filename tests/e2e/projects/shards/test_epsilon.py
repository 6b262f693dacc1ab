import pytest


@pytest.mark.parametrize("n", range(6))
def test_epsilon(n):
    assert n >= 0


class TestEpsilonGroup:
    def test_one(self):
        assert True

    def test_two(self):
        assert True
