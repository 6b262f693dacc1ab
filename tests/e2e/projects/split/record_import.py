"""record(module): appends "<pid> <module>" to E2E_IMPORT_LOG, when set."""
import os


def record(module):
    path = os.environ.get("E2E_IMPORT_LOG")
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{os.getpid()} {module}\n".encode())
    finally:
        os.close(fd)
