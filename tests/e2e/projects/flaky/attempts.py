"""Counts a test's attempts across processes: one byte appended per attempt to a file in this project.

The harness copies the project afresh for every run, so each run counts from zero.
"""
import os
from pathlib import Path

_DIR = Path(__file__).resolve().parent / ".attempts"


def attempt(name: str) -> int:
    """Records one more attempt of `name` and returns its number, 1 for the first."""
    _DIR.mkdir(exist_ok=True)
    fd = os.open(_DIR / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        # O_APPEND moves to the end and writes in one step, and leaves the offset after this write: the
        # file's size now may be larger already (the same test running on another worker).
        os.write(fd, b".")
        return os.lseek(fd, 0, os.SEEK_CUR)
    finally:
        os.close(fd)
