"""record(module): appends "<pid> <module>" to E2E_IMPORT_LOG (and sleeps E2E_SLOW_IMPORT_SECONDS when the
module is E2E_SLOW_IMPORT); append(variable, line) for the conftest."""
import os
import time


def append(variable, line):
    """Append `line` to the file named by the environment variable, in one write; nothing without it."""
    path = os.environ.get(variable)
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def record(module):
    append("E2E_IMPORT_LOG", f"{os.getpid()} {module}")
    if module == os.environ.get("E2E_SLOW_IMPORT"):  # a module that takes long to import, once logged
        time.sleep(float(os.environ.get("E2E_SLOW_IMPORT_SECONDS", "0")))
