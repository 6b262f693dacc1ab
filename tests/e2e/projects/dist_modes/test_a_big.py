"""The largest file: parametrize ids that a node-ID parser would misread ('::', '[', '@', spaces,
non-ASCII), and one test sharing the 'alpha' group with test_f_groups.py."""
import pytest

IDS = ["plain", "with::colons", "open[bracket", "x[1]", "at@sign", "with space", "ünï", "Cls::meth"]


@pytest.mark.parametrize("value", range(len(IDS)), ids=IDS)
def test_param(value):
    assert value >= 0


def test_skipped_in_call():
    pytest.skip("skipped inside the test, so the recorder still sees it")


@pytest.mark.xfail(reason="expected", strict=True)
def test_expected_failure():
    assert False


@pytest.mark.xdist_group("alpha")
def test_alpha_in_big():
    pass
