"""pytest-xdist's `worker_id` and `testrun_uid` fixtures with the values of the jackd worker.

Registered as a plugin module by the worker plugin in pytest_configure, i.e. after every entry-point
plugin, so when pytest-xdist is installed these definitions win over its own: outside an xdist-managed
worker xdist's `worker_id` returns "master" and `testrun_uid` a fresh uuid per process, which would break
conftest code that keys databases or temp dirs by worker. Fixtures in conftest.py files still override
these, as they override xdist's. Module-level functions: pytest 9 deprecates fixtures on plugin objects.
"""

from __future__ import annotations

import os
import uuid

import pytest

_TESTRUN_UID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex


@pytest.fixture(scope="session")
def worker_id() -> str:
    """The jackd worker's id ("gw0", "gw1", ...), as pytest-xdist's fixture gives it on a worker."""
    return os.environ.get("JACKD_WORKER_ID") or os.environ.get("PYTEST_XDIST_WORKER") or "master"


@pytest.fixture(scope="session")
def testrun_uid() -> str:
    """An id shared by every worker of one run (PYTEST_XDIST_TESTRUNUID)."""
    return _TESTRUN_UID
