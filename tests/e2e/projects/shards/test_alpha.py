"""The `shards` project: quick tests over several files and classes, one failure and one skip, so that
a sharded run and an unsharded one can be compared test by test."""
import pytest


@pytest.mark.parametrize("n", range(8))
def test_square(n):
    assert n * n >= 0


def test_fails():
    assert 1 + 1 == 3


def test_skipped():
    pytest.skip("e2e skipped on purpose")
