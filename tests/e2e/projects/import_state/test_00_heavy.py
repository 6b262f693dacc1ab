import heavylib


def test_uses_heavylib():
    assert heavylib.VALUE == 1
