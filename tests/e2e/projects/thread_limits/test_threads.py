"""Records the thread-pool variables each worker has, for tests/e2e/test_thread_limits.py.

numpy's OpenBLAS and the OpenMP runtimes read them with C's getenv when they load, which is at import,
before any test runs: so what matters is the process's C environment when this module is imported, not
only os.environ when a test runs (a forked worker gets its environment from Python, after the fork).

With E2E_EVENTS set, every test emits {"kind": "threads", "worker", "at_import", "at_test"}: the
variables' values (None when unset) from C's getenv at import and from os.environ in the test.
"""
import ctypes
import os

from e2e_events import emit, wait_for_all_workers

VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "BLIS_NUM_THREADS",
)

_getenv = ctypes.CDLL(None).getenv
_getenv.restype = ctypes.c_char_p
_getenv.argtypes = [ctypes.c_char_p]


def _c_value(name):
    value = _getenv(name.encode())
    return None if value is None else value.decode()


AT_IMPORT = {name: _c_value(name) for name in VARIABLES}


def record():
    wait_for_all_workers()
    emit(dict(kind="threads", worker=os.environ.get("PYTEST_XDIST_WORKER"), at_import=AT_IMPORT,
              at_test={name: os.environ.get(name) for name in VARIABLES}))


def test_a():
    record()


def test_b():
    record()


def test_c():
    record()


def test_d():
    record()
