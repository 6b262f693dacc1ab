"""pytest Item -> jackd TestItem: the structured fields the scheduler groups by.

The scheduler never parses node IDs, so everything it needs (file, classes, xdist_group, marks) is
taken from pytest's own objects here.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from jackd_shim import jackd_pb2
from jackd_shim.protocol import utf8_text
from jackd_shim.repeats import FLAKY_MARK, flaky_reruns

# The mark pytest-xdist's `loadgroup` mode groups by, and the name it falls back to without arguments.
XDIST_GROUP_MARK = "xdist_group"
_XDIST_DEFAULT_GROUP = "default"


def to_test_item(item: pytest.Item, rootpath: Path) -> jackd_pb2.TestItem:
    """Describe one collected item for the CollectionReport."""
    marks = mark_names(item)
    # Looking for a mark walks the item's chain; most items have none of these, so look only for those
    # the one walk above found.
    reruns, reruns_delay = flaky_reruns(item) if FLAKY_MARK in marks else (None, 0.0)
    test = jackd_pb2.TestItem(
        node_id=utf8_text(item.nodeid),  # as the worker keys it; see protocol.utf8_text
        file=relative_file(item.path, rootpath),
        class_chain=[node.name for node in item.listchain() if isinstance(node, pytest.Class)],
        xdist_group=xdist_group(item) if XDIST_GROUP_MARK in marks else "",
        marks=marks,
        line=_line(item),
        fixtures=[str(name) for name in getattr(item, "fixturenames", [])],
        limit=concurrency_limit(item) if LIMIT_MARK in marks else None,
        timeout_seconds=timeout_seconds(item) if TIMEOUT_MARK in marks else 0.0,
        reruns_delay=reruns_delay,
    )
    if reruns is not None:
        test.reruns = reruns
    return test


# pytest-timeout's mark; jackd enforces it from the engine, outside the test process.
TIMEOUT_MARK = "timeout"


def timeout_seconds(item: pytest.Item) -> float:
    """Seconds from the closest `timeout` mark (`timeout(5)` or `timeout(timeout=5)`); 0 without one."""
    mark = item.get_closest_marker(TIMEOUT_MARK)
    if mark is None:
        return 0.0
    value = mark.args[0] if mark.args else mark.kwargs.get("timeout", 0)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.timeout needs a number of seconds, not {value!r}")
    return max(seconds, 0.0)


# `@pytest.mark.jackd_limit("db", 2)`: at most 2 tests of pool "db" run at once.
LIMIT_MARK = "jackd_limit"


def concurrency_limit(item: pytest.Item) -> jackd_pb2.ConcurrencyLimit | None:
    """The closest jackd_limit mark as a ConcurrencyLimit; None without one. A malformed mark is a
    usage error, reported against the test."""
    mark = item.get_closest_marker(LIMIT_MARK)
    if mark is None:
        return None
    pool = mark.args[0] if mark.args else mark.kwargs.get("pool")
    max_running = mark.args[1] if len(mark.args) > 1 else mark.kwargs.get("max_running", 1)
    if not isinstance(pool, str) or not pool or not isinstance(max_running, int) or max_running < 1:
        raise pytest.UsageError(
            f"{item.nodeid}: use @pytest.mark.jackd_limit(\"pool\", max_running) with a pool name and a "
            f"positive number, not {mark.args!r} {mark.kwargs!r}")
    return jackd_pb2.ConcurrencyLimit(pool=utf8_text(pool), max_running=max_running)


@functools.lru_cache(maxsize=1024)  # every item of a file asks for the same path
def relative_file(path: Path, rootpath: Path) -> str:
    """`path` relative to `rootpath` with '/' separators; absolute when it lies outside the rootdir."""
    try:
        return path.relative_to(rootpath).as_posix()
    except ValueError:
        return path.as_posix()


def xdist_group(item: pytest.Item) -> str:
    """The item's affinity group merged exactly as pytest-xdist 3.x does for `--dist loadgroup`.

    Every `xdist_group` mark on the item (own and inherited) contributes its name; the distinct names are
    sorted and joined with '_'. Empty when the item has no such mark.
    """
    names = set()
    for mark in item.iter_markers(XDIST_GROUP_MARK):
        name = mark.args[0] if mark.args else mark.kwargs.get("name", _XDIST_DEFAULT_GROUP)
        names.add(str(name))
    return "_".join(sorted(names))


def mark_names(item: pytest.Item) -> list[str]:
    """Names of the item's marks (closest first, as iter_markers yields them), without duplicates."""
    return list(dict.fromkeys(mark.name for mark in item.iter_markers()))


def _line(item: pytest.Item) -> int:
    # location[1] is 0-based and None for items that cannot tell (some non-Python items).
    lineno = item.location[1]
    return lineno + 1 if lineno is not None else 0
