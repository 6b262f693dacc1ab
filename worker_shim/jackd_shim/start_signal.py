"""Prestarted workers: started while the engine still collects, told the rest when it is done.

The engine starts its workers at the same time as its own collection, so theirs runs in parallel with it
instead of after it. Such a worker gets JACKD_START_FILE instead of the collection's digest and the run's
basetemp (neither exists yet). After its own collection it waits for that file, which the engine writes
(atomically) once its gRPC server listens, then goes on as any worker: it compares digests and connects.

The file has two lines: the engine's collection digest and the run's basetemp (empty when pytest has
none). The engine kills a prestarted worker it does not need, so the wait has no bound of its own.
"""

from __future__ import annotations

import os
import time

import pytest

START_FILE_ENV = "JACKD_START_FILE"
# How often to look for the file: a stat call, cheap for a process that has nothing else to do, and often
# enough that the worker starts its first test within a few milliseconds of the engine's plan.
_POLL_SECONDS = 0.002


def wait_for_start() -> tuple[str, str] | None:
    """(digest, basetemp) once the engine wrote the start file; None for a worker started normally."""
    path = os.environ.get(START_FILE_ENV)
    if not path:
        return None
    while not os.path.exists(path):
        time.sleep(_POLL_SECONDS)
    with open(path, encoding="utf-8") as stream:
        lines = stream.read().split("\n")
    digest = lines[0] if lines else ""
    basetemp = lines[1] if len(lines) > 1 else ""
    return digest, basetemp


def adopt_basetemp(config: pytest.Config, basetemp: str) -> None:
    """Make `basetemp` this worker's pytest basetemp before any test asks for a temporary directory.

    A worker started normally gets it before pytest configures itself (JACKD_BASETEMP); a prestarted one
    learns it only now, so pytest's TempPathFactory is made again from the updated option, as pytest's
    tmpdir plugin makes it at configure time.
    """
    from _pytest.tmpdir import TempPathFactory

    config.option.basetemp = basetemp
    try:
        factory = TempPathFactory.from_config(config, _ispytest=True)
    except TypeError:  # pytest 7.0 had no _ispytest on from_config
        factory = TempPathFactory.from_config(config)
    # Where pytest's tmp_path_factory fixture looks it up: a private attribute, not in Config's type.
    config._tmp_path_factory = factory  # type: ignore[attr-defined]
