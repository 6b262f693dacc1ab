import pytest


@pytest.mark.parametrize("n", range(6))
def test_gamma(n):
    assert n >= 0


class TestGammaGroup:
    def test_one(self):
        assert True

    def test_two(self):
        assert True
