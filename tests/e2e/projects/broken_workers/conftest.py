"""A project whose workers break in ways its collection process does not; without knobs every test
passes. PYTEST_XDIST_WORKER is set in jackd's (and xdist's) workers only, never in the collection
process, which is what each knob relies on.

E2E_WORKER_RAISE=1: importing this conftest in a worker raises RuntimeError.
E2E_WORKER_SLEEP=SECONDS: importing this conftest in a worker first sleeps that long (a worker that
  never connects in time). With E2E_PID_DIR set, each sleeping worker first writes `sleeper-<pid>`
  there.
E2E_MISMATCH=1: test_mismatch.py defines one more test outside workers (see there).
"""
import os
import time

if os.environ.get("PYTEST_XDIST_WORKER"):
    if os.environ.get("E2E_WORKER_SLEEP"):
        if os.environ.get("E2E_PID_DIR"):
            open(os.path.join(os.environ["E2E_PID_DIR"], f"sleeper-{os.getpid()}"), "w").close()
        time.sleep(float(os.environ["E2E_WORKER_SLEEP"]))
    if os.environ.get("E2E_WORKER_RAISE") == "1":
        raise RuntimeError("e2e conftest raises only in workers")
