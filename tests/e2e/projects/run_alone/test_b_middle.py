import pytest


@pytest.mark.parametrize("n", range(4))
def test_parallel_b(n):
    pass


@pytest.mark.serial
class TestSerialClass:
    def test_one(self):
        pass

    @pytest.mark.parametrize("x", ["p::q", "r[s]"])
    def test_param(self, x):
        assert x


def test_bench_middle(measured):
    measured()
