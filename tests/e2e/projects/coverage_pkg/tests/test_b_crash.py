import os
import signal
import time

from pkg.crashy import alpha

SETTLE = 0.3  # see test_a_before_crash.py


def test_covers_alpha():
    assert alpha() == "ALPHA"
    time.sleep(SETTLE)


def test_kill_my_worker():
    if os.environ.get("E2E_COVERAGE_CRASH") != "1":
        return
    mark = os.path.join(os.environ["E2E_LOG_DIR"], "killed")
    if os.path.exists(mark):
        return
    open(mark, "w").close()
    os.kill(os.getpid(), signal.SIGKILL)
