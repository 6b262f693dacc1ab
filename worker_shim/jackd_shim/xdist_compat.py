"""Keep suites written for pytest-xdist working under jackd, with or without xdist installed.

- `neutralise_xdist`: a user's `addopts = -n auto` must never make a jackd process start xdist workers of
  its own; jackd is the distributor.
- `register_marks`: `xdist_group` and `serial` are known marks even without xdist, so `--strict-markers`
  passes.
- `CompatFixtures`: the `worker_id` and `testrun_uid` fixtures with jackd's values.
"""

from __future__ import annotations

import os
import uuid

import pytest

_MARKS = (
    "xdist_group(name): run every test of the group on the same jackd worker, in order "
    "(pytest-xdist's loadgroup semantics).",
    "jackd_limit(pool, max_running=1): at most max_running tests of this pool run at once (jackd).",
)


def neutralise_xdist(config: pytest.Config) -> None:
    """Turn pytest-xdist's distribution options off; a no-op when xdist is not installed.

    Called before xdist's own pytest_cmdline_main reads them (see the plugins' hookwrappers), so xdist
    neither converts `-n` into `--tx popen` specs nor rejects `--pdb` as incompatible with distribution.
    """
    option = config.option
    if not hasattr(option, "numprocesses"):
        return
    option.numprocesses = None
    option.maxprocesses = None
    option.dist = "no"
    option.tx = []
    if hasattr(option, "distload"):
        option.distload = False
    if getattr(option, "looponfail", False):
        option.looponfail = False  # xdist's -f would take over the whole session


def register_marks(config: pytest.Config) -> None:
    for line in _MARKS:
        config.addinivalue_line("markers", line)
    if not config.pluginmanager.has_plugin("timeout"):
        config.addinivalue_line("markers", "timeout(seconds): jackd fails the test as timeout after this long.")
    # The engine's --serial-mark; empty disables it.
    serial = os.environ.get("JACKD_SERIAL_MARK", "serial")
    if serial:
        config.addinivalue_line("markers", f"{serial}: run this test while no other test runs (jackd).")


class CompatFixtures:
    """pytest-xdist's session fixtures with the values of the jackd worker.

    Registered as a plugin in pytest_configure, i.e. after every entry-point plugin, so when pytest-xdist
    is installed these definitions win over its own: outside an xdist-managed worker xdist's `worker_id`
    returns "master" and `testrun_uid` a fresh uuid per process, which would break conftest code that
    keys databases or temp dirs by worker. Fixtures in conftest.py files still override these, as they
    override xdist's.
    """

    def __init__(self, worker_id: str, testrun_uid: str) -> None:
        self._worker_id = worker_id
        self._testrun_uid = testrun_uid

    @pytest.fixture(scope="session")
    def worker_id(self) -> str:
        """The jackd worker's id ("gw0", "gw1", ...), as pytest-xdist's fixture gives it on a worker."""
        return self._worker_id

    @pytest.fixture(scope="session")
    def testrun_uid(self) -> str:
        """An id shared by every worker of one run (PYTEST_XDIST_TESTRUNUID)."""
        return self._testrun_uid


def compat_fixtures_from_env() -> CompatFixtures:
    worker_id = os.environ.get("JACKD_WORKER_ID") or os.environ.get("PYTEST_XDIST_WORKER") or "master"
    testrun_uid = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    return CompatFixtures(worker_id, testrun_uid)
