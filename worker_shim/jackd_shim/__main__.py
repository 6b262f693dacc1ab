"""Entry point of the shim: `main(argv)` for the engine's bootstrap, and `python -m jackd_shim`.

Modes (docs/engine-shim-contract.md):
- `collect REPORT_PATH PYTEST_ARGS...`: pytest with jackd_shim.collect_plugin, which turns on
  --collect-only (noting whether the user asked for it too) and writes one serialized CollectionReport
  to REPORT_PATH. Returns pytest's exit code.
- `worker PYTEST_ARGS...`: pytest with jackd_shim.worker_plugin, which serves one Engine.Work stream.
  Returns pytest's exit code (a broken engine stream ends the process with 70 instead). With
  JACKD_COVERAGE set, coverage measurement starts before pytest is imported (jackd_shim.coverage_worker).
- `forkserver`: import pytest and gRPC, then fork a worker per request on stdin (jackd_shim.fork_server).
  Returns 0 when the engine closes stdin; in a forked worker, runs the worker mode as above.
- `pytest PYTEST_ARGS...`: pytest alone, for options with which it answers without running tests
  (--fixtures, --markers, --version, ...): with jackd_shim.collect_plugin but no report, so jackd's marks
  are known and pytest-xdist is off, as in every jackd process. Returns pytest's exit code.
- `coverage SETTINGS_PATH RESULT_PATH`: after the workers are done, combine their coverage data into the
  configured data file and write the reports (jackd_shim.coverage_report). Returns 0 when RESULT_PATH was
  written (also when it reports an error), 4 on a usage error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

_USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR, so the engine reads every usage problem the same way

_USAGE = ("usage: python -m jackd_shim collect REPORT_PATH [PYTEST_ARGS...] | worker [PYTEST_ARGS...] | "
          "forkserver | pytest [PYTEST_ARGS...] | coverage SETTINGS_PATH RESULT_PATH")


def main(argv: Sequence[str]) -> int:
    """Run one shim mode and return the process exit code."""
    argv = list(argv)
    mode = argv[0] if argv else ""
    if mode == "collect" and len(argv) >= 2:
        return _collect(argv[1], argv[2:])
    if mode == "worker":
        return _worker(argv[1:])
    if mode == "forkserver" and len(argv) == 1:
        from jackd_shim import fork_server

        # A forked worker comes back with sys.argv set to its own `worker PYTEST_ARGS...`.
        return main(sys.argv[1:]) if fork_server.serve() else 0
    if mode == "pytest":
        return _pytest_main(["-p", "jackd_shim.collect_plugin", *argv[1:]])
    if mode == "coverage" and len(argv) == 3:
        from jackd_shim.coverage_report import combine_and_report

        return combine_and_report(argv[1], argv[2])
    sys.stderr.write(f"jackd-shim: error: unknown or incomplete mode {mode!r}\n{_USAGE}\n")
    return _USAGE_ERROR


def _pytest_main(args: list[str]) -> int:
    """pytest.main(args). An exception that escapes pytest (before 9.2: a `-p` plugin that fails at import)
    is printed as Python prints it for plain `pytest`, without the shim's frames, with Python's exit code."""
    import pytest

    try:
        return int(pytest.main(args))
    except Exception as error:
        import traceback

        frames = error.__traceback__
        traceback.print_exception(type(error), error, frames.tb_next if frames is not None else None)
        return 1


def _collect(report_path: str, pytest_args: list[str]) -> int:
    from jackd_shim import collect_plugin, rewrite_cache

    rewrite_cache.install_from_environ()
    collect_plugin.report_path = os.path.abspath(report_path)
    # The plugin goes first: a user's `--` would turn anything after it into file arguments. The plugin
    # sets --collect-only itself, so PytestSettings.collect_only can tell whether the user passed it.
    return _pytest_main(["-p", "jackd_shim.collect_plugin", *pytest_args])


def _worker(pytest_args: list[str]) -> int:
    from jackd_shim import coverage_worker

    coverage_worker.start_from_environ()  # before pytest and the suite are imported
    from jackd_shim import rewrite_cache

    rewrite_cache.install_from_environ()

    code = _pytest_main(["-p", "jackd_shim.worker_plugin", *pytest_args])
    _leave(code)
    return code


def _leave(code: int) -> None:
    """Ends a worker whose session is over without the interpreter's teardown, as multiprocessing's
    forked children do. Tearing down pytest, gRPC and the suite's modules took 50-170 ms per worker (eight
    workers on two cores), all of it after the last result. What teardown does that a user can observe
    still happens: atexit handlers run (coverage's save, logging.shutdown, weakref finalizers such as
    tempfile's) and every open file is flushed. Returns, for the normal exit, while a non-daemon thread
    still runs: Python waits for those, as it would after a serial pytest."""
    import threading

    if any(not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return
    import atexit
    import gc
    import io
    import itertools

    atexit._run_exitfuncs()
    # The files among every object: picked by type at C speed (a Python loop over a large suite's few
    # hundred thousand objects took 15-20 ms), with isinstance's answer for each type found. Frozen ones
    # (the fork server's imports, what collection left: see worker_plugin) are in no generation until
    # unfrozen, which only links the lists back.
    gc.unfreeze()
    objects = gc.get_objects()
    file_types = {kind for kind in set(map(type, objects))
                  if issubclass(kind, (io.BufferedWriter, io.BufferedRandom, io.TextIOWrapper))}
    for obj in itertools.compress(objects, map(file_types.__contains__, map(type, objects))):
        try:
            if not obj.closed:
                obj.flush()
        except Exception:  # a broken pipe, a full disk: what teardown would have hit too
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
