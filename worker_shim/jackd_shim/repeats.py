"""Repeats and reruns, as far as the shim takes part in them.

- `--count N` (the engine sets JACKD_COUNT): every test is parametrized N times, with distinct node IDs
  ending in `[1-N]` ... `[N-N]` as pytest-repeat spells them, so the copies are separate tests that spread
  over workers. The collect process and every worker apply the same parametrization, so their
  collections agree.
- `@pytest.mark.flaky(reruns=N, reruns_delay=S)` (pytest-rerunfailures' spelling) or
  `@pytest.mark.flaky(max_runs=N)` (the `flaky` package's): how often the engine reruns a failed test.
  The engine decides and dispatches reruns; a worker only runs an item again when told to.
- pytest-rerunfailures and the `flaky` package, if installed, are switched off in workers: they would
  rerun inside the worker, and the engine could not see the attempts.
"""

from __future__ import annotations

import os

import pytest

COUNT_ENV = "JACKD_COUNT"
FLAKY_MARK = "flaky"
# The parameter that carries the repeat number; a name no test uses.
_REPEAT_PARAM = "_jackd_repeat"
# The registered plugin names of pytest-rerunfailures and of the `flaky` package.
_RERUNFAILURES = "rerunfailures"
_RERUN_PLUGINS = (_RERUNFAILURES, "flaky")


def count_from_environ() -> int:
    try:
        return max(1, int(os.environ.get(COUNT_ENV, "1")))
    except ValueError:
        return 1


class RepeatParametrization:
    """A plugin: `pytest_generate_tests` that makes `count` copies of every test function."""

    def __init__(self, count: int) -> None:
        self._count = count

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        count = self._count
        metafunc.fixturenames.append(_REPEAT_PARAM)
        metafunc.parametrize(_REPEAT_PARAM, range(count), ids=[f"{i + 1}-{count}" for i in range(count)])


def register(config: pytest.Config) -> None:
    """Called from both plugins' pytest_configure: the flaky mark, and --count's parametrization."""
    if not config.pluginmanager.has_plugin(_RERUNFAILURES) and not config.pluginmanager.has_plugin("flaky"):
        config.addinivalue_line(
            "markers", "flaky(reruns=1, reruns_delay=0): jackd reruns this test when it fails (up to reruns times).")
    count = count_from_environ()
    if count > 1:
        config.pluginmanager.register(RepeatParametrization(count), "jackd-repeat")


def switch_off_rerun_plugins(config: pytest.Config) -> None:
    for name in _RERUN_PLUGINS:
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            config.pluginmanager.unregister(plugin)


def flaky_reruns(item: pytest.Item) -> tuple[int | None, float]:
    """(reruns, delay in seconds) from the item's closest flaky mark; (None, 0) without one."""
    mark = item.get_closest_marker(FLAKY_MARK)
    if mark is None:
        return None, 0.0
    kwargs = mark.kwargs
    if "condition" in kwargs and not kwargs["condition"]:
        return None, 0.0
    if "max_runs" in kwargs:
        value = kwargs["max_runs"]
        reruns = value - 1 if isinstance(value, int) else None
    else:
        value = kwargs.get("reruns", mark.args[0] if mark.args else 1)
        reruns = value if isinstance(value, int) else None
    delay = kwargs.get("reruns_delay", 0)
    if reruns is None or reruns < 0 or not isinstance(delay, (int, float)) or delay < 0:
        raise pytest.UsageError(
            f"{item.nodeid}: use @pytest.mark.flaky(reruns=N, reruns_delay=SECONDS) with N >= 0, not "
            f"{mark.args!r} {mark.kwargs!r}")
    return reruns, float(delay)


def prepare_rerun(item: pytest.Item) -> None:
    """Make an item that already ran in this process ready to run again: a fresh fixture request and no
    output sections left over from the last attempt."""
    init = getattr(item, "_initrequest", None)
    if init is not None:
        init()
    if hasattr(item, "_report_sections"):
        item._report_sections = []
