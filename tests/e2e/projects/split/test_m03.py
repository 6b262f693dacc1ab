import pytest

from record_import import record

record(__name__)

pytestmark = pytest.mark.xdist_group("pair1")


@pytest.mark.parametrize("n", range(4))
def test_fast(n):
    pass


@pytest.mark.slow
def test_slow():
    pass
