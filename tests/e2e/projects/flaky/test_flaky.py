import pytest

from attempts import attempt


def test_passes():
    attempt("passes")


def test_fails_on_first_attempt(tmp_path):
    # A function-scoped fixture: a rerun in the same process must get a fresh one.
    marker = tmp_path / "fresh"
    assert not marker.exists()
    marker.write_text("used")
    assert attempt("first") > 1, "seeded failure: the first attempt fails"


def test_always_fails():
    n = attempt("always")
    assert n < 0, f"attempt {n} fails too"


@pytest.mark.flaky(reruns=3)
def test_marked_fails_twice():
    assert attempt("marked") > 2, "the first two attempts fail"


def test_fails_on_even_attempts():
    assert attempt("even") % 2 == 1, "even attempts fail"
