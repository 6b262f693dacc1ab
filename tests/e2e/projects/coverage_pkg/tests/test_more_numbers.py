from pkg.numbers import clamp, classify


def test_zero():
    assert classify(0) == "zero"


def test_clamp_inside():
    assert clamp(3, 0, 5) == 3
