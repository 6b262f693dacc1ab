"""Three quick tests: the file with the most tests and the least time (0.15 s together)."""
import time

import pytest


@pytest.mark.parametrize("n", [1, 2, 3])
def test_fast(n):
    time.sleep(0.05)
