"""What the fixture projects' conftests share: recording events and waiting for every worker.

On PYTHONPATH for every run the e2e harness starts (jackd or plain pytest), so each fixture project stays
its own rootdir while the recorder exists once.

E2E_EVENTS names a file; each event is one JSON line written with a single os.write on an O_APPEND
descriptor, so lines of concurrent workers never interleave. Without E2E_EVENTS nothing is written.

E2E_BARRIER=N: before its first test, each worker announces itself and waits (at most BARRIER_SECONDS)
until N workers have, so a slow-starting worker cannot leave the others to run everything.
"""
import json
import os
import time

BARRIER_SECONDS = 30

_barrier = {"passed": False, "timed_out": False}


def emit(event):
    path = os.environ.get("E2E_EVENTS")
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(event) + "\n").encode())
    finally:
        os.close(fd)


def wait_for_all_workers():
    """Once per process: wait until E2E_BARRIER workers have reached their first test."""
    path = os.environ.get("E2E_EVENTS")
    if _barrier["passed"] or not os.environ.get("E2E_BARRIER") or not path:
        return
    _barrier["passed"] = True
    directory = path + ".barrier"
    os.makedirs(directory, exist_ok=True)
    open(os.path.join(directory, os.environ.get("PYTEST_XDIST_WORKER") or str(os.getpid())), "w").close()
    deadline = time.monotonic() + BARRIER_SECONDS
    while len(os.listdir(directory)) < int(os.environ["E2E_BARRIER"]):
        if time.monotonic() > deadline:
            _barrier["timed_out"] = True
            return
        time.sleep(0.01)


def barrier_timed_out():
    """Whether this process gave up waiting for the others (its events then say so)."""
    return _barrier["timed_out"]
