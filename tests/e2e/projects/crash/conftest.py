"""E2E_CRASH makes the `crash` tests kill their worker; without it every test here passes.

E2E_CRASH=1: each crashing test crashes only once per run: it leaves a file in E2E_CRASH_DIR (required
with E2E_CRASH) and passes if it finds that file, so a test that an engine retried passes the second
time. Without --retry-crashed jackd must not retry it: its outcome is `crashed`.
E2E_CRASH=always: each crashing test crashes every time it runs.

With E2E_CRASH_DIR set, every attempt to crash appends a line to `<test name>.attempts` there, and
every test appends "<pid> <node id>" to `tests.log`, so the e2e tests can count attempts and tell
which process ran what.
"""
import os
import signal

import pytest


def _append(name, line):
    directory = os.environ.get("E2E_CRASH_DIR")
    if not directory:
        return
    fd = os.open(os.path.join(directory, name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


@pytest.fixture(autouse=True)
def record_process(request):
    _append("tests.log", f"{os.getpid()} {request.node.nodeid}\n")


@pytest.fixture
def crash_once(request):
    """crash_once(how): kill this process. "segv" raises SIGSEGV, "exit" calls os._exit(3), "kill" sends
    SIGKILL to itself, "ctypes" reads through a null pointer. At most once per test per run unless
    E2E_CRASH=always."""

    def crash(how):
        mode = os.environ.get("E2E_CRASH")
        if mode not in ("1", "always"):
            return
        mark = os.path.join(os.environ["E2E_CRASH_DIR"], request.node.name)
        if mode == "1" and os.path.exists(mark):
            return
        open(mark, "w").close()
        _append(f"{request.node.name}.attempts", f"{os.getpid()}\n")
        if how == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if how == "ctypes":
            import ctypes

            ctypes.string_at(0)  # reads address 0: a real SIGSEGV in C code, not a signal we send
        os._exit(3)

    return crash
