"""Tests that hang, for jackd's --timeout, @pytest.mark.timeout and --session-timeout.

A hanging test sleeps E2E_HANG_SECONDS (default 120: far past any bound the e2e tests allow). Before it
sleeps it starts a background thread (`e2e_background_waiter`, to show up in an all-threads stack dump)
and a child process, which stays in the worker's process group: killing the worker's group must take
it along. With E2E_HANG_DIR set, it writes there `<test name>.json`: {"pid", "pgid", "child"}, and
every test appends "<pid> <node id>" to `tests.log` there.
"""
import json
import os
import subprocess
import sys
import threading
import time

import pytest


def e2e_background_waiter(event):
    event.wait(300)


@pytest.fixture(autouse=True)
def record_process(request):
    directory = os.environ.get("E2E_HANG_DIR")
    if directory:
        fd = os.open(os.path.join(directory, "tests.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{os.getpid()} {request.node.nodeid}\n".encode())
        finally:
            os.close(fd)


@pytest.fixture
def hang(request):
    def hang_now():
        threading.Thread(target=e2e_background_waiter, args=(threading.Event(),), daemon=True).start()
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        directory = os.environ.get("E2E_HANG_DIR")
        if directory:
            record = {"pid": os.getpid(), "pgid": os.getpgid(0), "child": child.pid}
            final = os.path.join(directory, request.node.name + ".json")
            with open(final + ".partial", "w") as f:
                json.dump(record, f)
            os.replace(final + ".partial", final)
        time.sleep(float(os.environ.get("E2E_HANG_SECONDS", "120")))

    return hang_now
