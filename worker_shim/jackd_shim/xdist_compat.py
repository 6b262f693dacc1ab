"""Keep suites written for pytest-xdist working under jackd, with or without xdist installed.

- `neutralise_xdist`: a user's `addopts = -n auto` must never make a jackd process start xdist workers of
  its own; jackd is the distributor.
- `register_marks`: `xdist_group` and `serial` are known marks even without xdist, so `--strict-markers`
  passes.
- `let_pytest_benchmark_measure`: benchmarks measure in jackd's workers (xdist's workers switch them off).
- `jackd_shim.compat_fixtures`: the `worker_id` and `testrun_uid` fixtures with jackd's values.
"""

from __future__ import annotations

import os

import pytest

_MARKS = (
    (
        "xdist_group(name): run every test of the group on the same jackd worker, in order "
        "(pytest-xdist's loadgroup semantics)."
    ),
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


def let_pytest_benchmark_measure() -> None:
    """Keep pytest-benchmark measuring inside jackd's workers.

    pytest-benchmark switches itself off when it sees PYTEST_XDIST_WORKER, because under xdist its timings
    would be skewed by neighbouring tests (and with --benchmark-only it then refuses to start). jackd runs
    benchmarks alone, so that reason does not hold; but conftests rely on the variable. So the variable is
    hidden from pytest-benchmark's session object alone, while it is being made.
    """
    try:
        from pytest_benchmark import session
    except ImportError:
        return
    original = session.BenchmarkSession.__init__
    if getattr(original, "_jackd", False):
        return

    def init(self, config):
        saved = os.environ.pop("PYTEST_XDIST_WORKER", None)
        try:
            original(self, config)
        finally:
            if saved is not None:
                os.environ["PYTEST_XDIST_WORKER"] = saved

    # A mark on the patched __init__, so that a second call patches nothing; mypy allows neither.
    init._jackd = True  # type: ignore[attr-defined]
    session.BenchmarkSession.__init__ = init  # type: ignore[method-assign]
