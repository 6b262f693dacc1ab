"""One test of each common outcome, a flaky one, and enough short sleeps to give a timeline shape."""
import os
import time
from pathlib import Path

import pytest

# A test's output that must stay text in every report: it tries to end the HTML report's data element.
HOSTILE = "</script><script>document.body.dataset.injected = 'yes'</script><b>not bold</b> <!--"


def test_passes():
    time.sleep(0.2)


@pytest.mark.parametrize("n", range(8))
def test_sleeps(n):
    time.sleep(0.05 * (n % 4 + 1))


def test_fails():
    print("captured stdout with", HOSTILE)
    time.sleep(0.1)
    assert HOSTILE == "anything else"


@pytest.fixture
def broken():
    raise RuntimeError("setup is broken")


def test_setup_error(broken):
    pass


def test_skipped():
    pytest.skip("not on this machine")


@pytest.mark.xfail(reason="known bug")
def test_xfails():
    assert False


@pytest.mark.xfail(reason="fixed already")
def test_xpasses():
    pass


def _attempt(name: str) -> int:
    """Counts this test's attempts across worker processes (the project is copied fresh for each run)."""
    path = Path(__file__).resolve().parent / f".attempts-{name}"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, b".")
        return os.lseek(fd, 0, os.SEEK_CUR)
    finally:
        os.close(fd)


@pytest.mark.flaky(reruns=2)
def test_flaky():
    time.sleep(0.05)
    assert _attempt("flaky") > 1, "the first attempt fails"
