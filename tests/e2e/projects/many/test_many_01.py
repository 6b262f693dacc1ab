import os
import time

import pytest


@pytest.mark.parametrize("n", range(20))
def test_quick(n, request):
    time.sleep(float(os.environ.get("E2E_MANY_SLEEP", "0")))
    if request.node.nodeid in os.environ.get("E2E_MANY_FAIL", "").split(","):
        pytest.fail("e2e failing on request (E2E_MANY_FAIL)")
    assert n * n >= 0
