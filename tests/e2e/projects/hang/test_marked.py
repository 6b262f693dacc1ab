import pytest


@pytest.mark.timeout(1)
def test_marked_sleeps_forever(hang):
    hang()


def test_after_marked():
    pass
