import os
import time

import pytest


@pytest.mark.parametrize("n", range(40))
def test_quick(n, request):
    time.sleep(float(os.environ.get("E2E_SLEEP", "0")))
    if request.node.nodeid in os.environ.get("E2E_FAIL", "").split(","):
        pytest.fail("e2e failing on request (E2E_FAIL)")
