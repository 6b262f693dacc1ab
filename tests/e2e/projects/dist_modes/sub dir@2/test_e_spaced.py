"""A directory name with a space and '@'; every test here is in the module-wide 'mod@group' group,
one also in 'zeta' (so its group is 'mod@group_zeta', of its own)."""
import pytest

pytestmark = pytest.mark.xdist_group("mod@group")


def test_first():
    pass


@pytest.mark.xdist_group("zeta")
def test_second_also_zeta():
    pass


def test_third():
    pass
