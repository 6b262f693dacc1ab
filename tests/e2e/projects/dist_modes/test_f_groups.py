"""xdist_group marks merged as pytest-xdist merges them: sorted distinct names joined with '_'."""
import pytest


@pytest.mark.xdist_group("alpha")
def test_alpha_one():
    pass


def test_ungrouped_one():
    pass


@pytest.mark.xdist_group("alpha")
def test_alpha_two():
    pass


@pytest.mark.xdist_group("a_b")
def test_named_a_b():
    pass


@pytest.mark.xdist_group("b")
class TestGroupB:
    def test_only_b(self):
        pass

    @pytest.mark.xdist_group("a")
    def test_a_and_b(self):
        pass

    @pytest.mark.xdist_group("b")
    def test_b_twice(self):
        pass


@pytest.mark.xdist_group()
def test_default_group():
    pass


@pytest.mark.xdist_group(name="default")
def test_named_default():
    pass


@pytest.mark.xdist_group(name="db::primary[0] @ü")
def test_odd_group_name_one():
    pass


def test_ungrouped_two():
    pass


@pytest.mark.xdist_group(name="db::primary[0] @ü")
@pytest.mark.parametrize("k", ["p::q", "r[s]"])
def test_odd_group_name_param(k):
    assert k
