"""Every outcome pytest knows, plus node IDs that a careless engine would mangle.

The e2e tests compare jackd's outcomes with plain pytest's test by test, and test_harness.py pins the
expected outcome of each test here, so a change to this file must be reflected there.
"""
import time

import pytest


def test_pass():
    assert 1 + 1 == 2


def test_fail():
    print("e2e-captured-stdout-marker from test_fail")
    value = 1
    assert value == 2


@pytest.fixture
def broken_setup():
    raise RuntimeError("e2e setup exploded")


def test_setup_error(broken_setup):
    pass


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("e2e teardown exploded")


def test_teardown_error(broken_teardown):
    pass


@pytest.fixture
def skipping_fixture():
    pytest.skip("e2e skipped during setup")


def test_skip_in_setup(skipping_fixture):
    pass


def test_skip():
    pytest.skip("e2e skipped on purpose")


@pytest.mark.skipif("True", reason="e2e skipif on purpose")
def test_skipif():
    pass


@pytest.mark.xfail(reason="e2e known bug")
def test_xfail():
    assert 0 == 1


def test_xfail_imperative():
    pytest.xfail("e2e imperative xfail")


# No explicit strict=: `-o xfail_strict=true` must be able to turn this into a failure.
@pytest.mark.xfail(reason="e2e maybe fixed")
def test_xpass():
    pass


@pytest.mark.xfail(reason="e2e must fail", strict=True)
def test_xpass_strict():
    pass


class TestGroup:
    def test_one(self):
        assert "a" in "abc"

    def test_two(self):
        assert [1, 2] == [1, 2]

    def test_fails_in_class(self):
        assert [1, 2] == [1, 3]


class TestOuter:
    class TestInner:
        def test_nested(self):
            assert True


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1, id="a::b"),
        pytest.param(2, id="x[1]"),
        pytest.param(3, id="with space"),
        pytest.param(4, id="user@host"),
        pytest.param(5, id="naïve-ü"),
        pytest.param(6, id="plain"),
        pytest.param(-1, id="neg::one"),
    ],
)
def test_ids(value):
    assert value > 0


def test_café():
    assert "é".upper() == "É"


@pytest.mark.slow
def test_slow():
    time.sleep(0.3)
