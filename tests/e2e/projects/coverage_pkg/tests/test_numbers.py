import pytest

from pkg.numbers import clamp, classify


@pytest.mark.parametrize("n, expected", [(-5, "negative"), (3, "small")])
def test_classify(n, expected):
    assert classify(n) == expected


def test_clamp_low():
    assert clamp(-1, 0, 5) == 0
