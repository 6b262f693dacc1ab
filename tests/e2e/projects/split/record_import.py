"""record(module): appends "<pid> <module>" to E2E_IMPORT_LOG; append(variable, line) for the conftest."""
import os


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
