import pytest


@pytest.mark.parametrize("n", range(6))
def test_delta(n):
    assert n >= 0


class TestDeltaGroup:
    def test_one(self):
        assert True

    def test_two(self):
        assert True
