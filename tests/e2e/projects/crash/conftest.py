"""E2E_CRASH=1 makes the `crash` tests kill their worker; without it every test here passes.

Each crashing test crashes only once per run: it leaves a file in E2E_CRASH_DIR (required with
E2E_CRASH) and passes if it finds that file, so a test that an engine retried would pass the second time.
jackd must not retry it: its outcome is `crashed`.
"""
import os
import signal

import pytest


@pytest.fixture
def crash_once(request):
    """crash_once(how): "segv" raises SIGSEGV, "exit" calls os._exit(3); at most once per test per run."""

    def crash(how):
        if os.environ.get("E2E_CRASH") != "1":
            return
        mark = os.path.join(os.environ["E2E_CRASH_DIR"], request.node.name)
        if os.path.exists(mark):
            return
        open(mark, "w").close()
        if how == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        os._exit(3)

    return crash
