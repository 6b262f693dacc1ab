"""A worker's coverage measurement: started before pytest, saved before every results flush.

jackd_shim.__main__ calls `start_from_environ()` first thing in the worker mode, before pytest (and so the
suite's conftests and the code they import) is imported, so import-time lines are measured as pytest-cov
measures them. The worker loop calls `checkpoint()` just before it sends buffered results to the engine:
every test whose result the engine received then has its lines on disk, and a worker killed later loses
only the coverage of tests whose results were lost too (the engine reruns those on a replacement worker,
which measures them again). `finish()` stops measuring once the run loop is done, where pytest-cov stops.

Each worker writes its own data file, `<data_file>.<tag>.<worker id>.<pid>`, whatever the project's
configuration says about `parallel`; the engine combines them afterwards (jackd_shim.coverage_report).

One measurement per process: this module holds it, as coverage.py itself holds the current one.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

from jackd_shim.coverage_settings import ENVIRONMENT, CoverageSettings

_measurement: Any | None = None  # the running coverage.Coverage, if any
_save_failed = False


def start_from_environ() -> None:
    """Start measuring when the engine asked for it (JACKD_COVERAGE); otherwise do nothing."""
    global _measurement
    text = os.environ.get(ENVIRONMENT)
    if not text or _measurement is not None:
        return
    settings = CoverageSettings.from_json(text)
    worker_id = os.environ.get("JACKD_WORKER_ID", "")
    measurement = settings.make_coverage(data_suffix=settings.worker_suffix(worker_id, os.getpid()))
    configured = measurement.config.data_file
    directory = settings.worker_directory(configured)
    os.makedirs(directory, exist_ok=True)
    measurement.set_option("run:data_file", os.path.join(directory, os.path.basename(configured)))
    measurement.start()
    _measurement = measurement


def measuring() -> bool:
    return _measurement is not None


def checkpoint() -> None:
    """Write what was measured since the last checkpoint to this worker's data file.

    coverage.py flushes its collector incrementally: each save adds only the new lines. Its warnings
    ("no data collected" on a worker whose tests never touched the source) concern the combined result,
    which the engine's combine step reports, so they are silenced here; a suite's `-W error` must not turn
    them into a worker crash either.
    """
    global _save_failed
    if _measurement is None or _save_failed:
        return
    from coverage.exceptions import CoverageWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CoverageWarning)
            _measurement.save()
    except Exception as error:  # a full disk, say: the tests go on, the report will say data is missing
        _save_failed = True
        sys.stderr.write(f"jackd-shim: error: cannot save coverage data: {error!r}\n")
        sys.stderr.flush()


def finish() -> None:
    """Stop measuring and save the rest; idempotent."""
    global _measurement
    if _measurement is None:
        return
    _measurement.stop()
    checkpoint()
    _measurement = None
