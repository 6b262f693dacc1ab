"""Split collection: each worker collects a share of the suite's files; other files when it needs them.

A worker started with JACKD_COLLECT_SHARE="K/N" (worker gwK of N prestarted ones) walks the same
directories as every other worker, numbering the files it meets (their ordinals agree across workers:
pytest walks in sorted order). It collects the files whose ordinal % N == K, which is where the time
goes (making the items: parametrizing, resolving fixtures, rewriting asserts), and defers the rest: they
get an empty collect report, as pytest's own --lf does for files without failures.

A deferred test module is still imported when the walk meets it, so that every worker has imported every
collected test module, in pytest's order, before its first test, as pytest has: a test may depend on
what importing other test modules does (a `skipif("hypothesis" in sys.modules)`, a registry they fill,
warning filters they set, a function they patch). Importing is usually a fraction of collecting
(networkx: about 1.3 s against 10 s of CPU for pytest's whole collection), but not always (sympy's core,
whose test modules import much of sympy: the first test started 3 s later at -n 2, as late as under a
whole collection; benchmarks/RESULTS.md). JACKD_COLLECT_IMPORTS=lazy (`--collection lazy`) turns it off.

A worker's report says how many files the walk met and which of them it collected. The engine merges the
shares into one collection (engine/split_collection.h) once those in hand hold every file, share 0's
among them: a worker that is slow to start, whose files the others stole, is not waited for.

So that no worker idles while another still collects, the workers also steal: a worker that has walked
every file collects the files that nobody has reached yet, from the back (their owners walk forward).
Who collects a file is settled by creating `<ordinal>` exclusively in the directory JACKD_COLLECT_CLAIMS,
its own files included; a file is collected exactly once. Without that variable nobody steals.

A worker the engine starts later (a replacement after a crash, a rerun's extra worker, a pool smaller
than the prestarted one) gets JACKD_COLLECT_SHARE=none when the run's collection was split: it collects
no file up front.

Files that pytest imports under one module name (`a/test_x.py` and `b/test_x.py` outside packages,
under the prepend and append import modes) go to one collector together, as a group led by the first of
them: in one process the first one imported wins and the others fail to collect ("import file
mismatch"), and split among workers each would win somewhere, so that more tests would run than pytest
runs, and which ones would depend on timing. The group's collector meets the same failures pytest does;
a worker given tests of the group later imports only the file that collected.

When the engine hands this worker a test of a deferred file, `collect_file_of` collects that file then,
running pytest_collection_modifyitems over its items as the owner's collection did (a conftest adding
skip marks there keeps working).

Some options need the whole collection in one process: --lf/--ff/--nf/--sw decide from every collected
test, and random-order plugins shuffle across files. With those the share is ignored (`wanted`): every
worker collects everything, as without split collection, and gw0 reports for the engine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _pytest.pathlib import resolve_package_path

SHARE_ENV = "JACKD_COLLECT_SHARE"
CLAIMS_ENV = "JACKD_COLLECT_CLAIMS"
# "lazy": a worker imports only the test modules it collects or runs (see the module's docstring).
IMPORTS_ENV = "JACKD_COLLECT_IMPORTS"

# Options whose plugins filter or order the collection from all of it (pytest's cacheprovider).
_WHOLE_COLLECTION_OPTIONS = ("lf", "failedfirst", "newfirst", "stepwise", "stepwise_skip")
# Plugins that reorder tests across files.
_WHOLE_COLLECTION_PLUGINS = ("randomly", "random_order")


# JACKD_COLLECT_SHARE for a worker started after the prestarted ones: no share, every file on demand.
NO_SHARE = "none"


def share_from_environ() -> tuple[int, int] | None:
    """(K, N) from JACKD_COLLECT_SHARE, (0, 0) for NO_SHARE, or None without one (or a malformed one)."""
    text = os.environ.get(SHARE_ENV, "")
    if text == NO_SHARE:
        return 0, 0
    share, _, ways = text.partition("/")
    if not share.isdigit() or not ways.isdigit() or not 0 <= int(share) < int(ways):
        return None
    return int(share), int(ways)


def wanted(config: pytest.Config) -> bool:
    """False when this run's options need the whole collection in every worker."""
    if any(getattr(config.option, name, False) for name in _WHOLE_COLLECTION_OPTIONS):
        return False
    if any(config.pluginmanager.has_plugin(name) for name in _WHOLE_COLLECTION_PLUGINS):
        return False
    # Node-ID arguments (path::name) are matched inside their file while pytest collects: that file must
    # be collected everywhere, which a share cannot promise. Such runs are small.
    return not any("::" in str(arg) for arg in config.args)


class SplitCollection:
    """The pytest plugin: defers files outside the share, and collects them on demand."""

    def __init__(self, share: int, ways: int, claims: str = "", clashes: bool = True, imports: bool = True) -> None:
        self.share = share
        self.ways = ways
        self._claims = claims
        self._imports = imports  # import the deferred test modules as the walk meets them (see IMPORTS_ENV)
        self._next_ordinal = 0
        self._ordinals: dict[str, int] = {}  # file node ID -> ordinal
        self._clashes = clashes  # group files by the module name they are imported under
        self._leaders: dict[str, int] = {}  # module name -> ordinal of the first file imported under it
        self._leader_of: dict[int, int] = {}  # ordinal -> its group's leader, for files in a group
        # file node ID -> its collectors not collected yet: a file can have several (--doctest-modules
        # adds a DoctestModule beside the Module, with the same node ID), and they go together
        self._deferred: dict[str, list[pytest.Collector]] = {}
        self._releasing: pytest.Collector | None = None
        self._walked = False
        self.collected: set[int] = set()  # ordinals of the files collected for the share (own and stolen)
        self.errors: dict[str, str] = {}  # file node ID -> why collecting it on demand failed

    # -- pytest hooks -------------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> pytest.CollectReport | None:
        if not isinstance(collector, pytest.File) or isinstance(collector, pytest.Package):
            return None  # directories are walked by every worker; pytest 7's Package is a File
        if collector is self._releasing:
            return None
        nodeid = collector.nodeid
        if nodeid not in self._ordinals:
            ordinal = self._ordinals[nodeid] = self._next_ordinal
            self._next_ordinal += 1
            if self._clashes and isinstance(collector, pytest.Module):
                leader = self._leaders.setdefault(_module_name(collector.path), ordinal)
                if leader != ordinal:
                    self._leader_of[ordinal] = leader
        ordinal = self._ordinals[nodeid]
        # A file is decided once, for all its collectors: one whose first collector was deferred is. A
        # file in a group goes where its leader went.
        if nodeid not in self._deferred and self.ways and self._takes(self._leader_of.get(ordinal, ordinal)):
            self.collected.add(ordinal)
            return None
        self._deferred.setdefault(nodeid, []).append(collector)
        if self._imports and ordinal not in self._leader_of:
            _import_quietly(collector)
        return pytest.CollectReport(nodeid, "passed", None, [])

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        """The walk is done: steal the files other workers have not reached, before any other hook sees
        the items (a conftest's modifyitems applies to them as to the rest). Only after the walk, not
        when a file is collected on demand later."""
        if self._walked or not self._claims or not self.ways:
            return
        self._walked = True
        # Claimed by their leader, a group's files are collected together and in walk order.
        groups: dict[int, list[str]] = {}
        for nodeid in self._deferred:
            ordinal = self._ordinals[nodeid]
            groups.setdefault(self._leader_of.get(ordinal, ordinal), []).append(nodeid)
        for leader in reversed(list(groups)):
            if self._claim(leader):
                for nodeid in groups[leader]:
                    self.collected.add(self._ordinals[nodeid])
                    for collector in self._deferred.pop(nodeid):
                        items.extend(self._genitems(collector))

    def _takes(self, ordinal: int) -> bool:
        """Whether this worker collects the file now (its own, claimed, or already being collected)."""
        if ordinal in self.collected:
            return True
        if ordinal % self.ways == self.share and self._claim(ordinal):
            self.collected.add(ordinal)
            return True
        return False

    def _claim(self, ordinal: int) -> bool:
        if not self._claims:
            return True
        try:
            os.close(os.open(os.path.join(self._claims, str(ordinal)), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        except OSError:
            return True  # cannot claim: collect it anyway; the engine keeps one copy of what two shares hold
        return True

    def _genitems(self, collector: pytest.Collector) -> list[pytest.Item]:
        # pytest 8 keeps each file's collect report while the session collects and takes a file it meets
        # again for a duplicate, giving no items: the report it keeps is the empty one of the deferral.
        cache = getattr(collector.session, "_collection_cache", None)
        if isinstance(cache, dict):
            cache.pop(collector, None)
        self._releasing = collector
        try:
            return list(collector.session.genitems(collector))
        finally:
            self._releasing = None

    # -- for the collection report and the worker loop ------------------------------------------------

    def ordinal_of(self, item: pytest.Item) -> int:
        """The ordinal of the file `item` belongs to."""
        node = item.getparent(pytest.File)  # type: ignore[type-abstract]  # only an isinstance test
        return self._ordinals.get(node.nodeid, 0) if node is not None else 0

    def files_walked(self) -> int:
        """How many files the walk has reached so far."""
        return self._next_ordinal

    def collect_file_of(self, node_id: str) -> list[pytest.Item]:
        """Collect the deferred file that holds `node_id` (all deferred files when none can be told from
        the ID) and return its items; [] when nothing is deferred any more."""
        path = node_id.split("::", 1)[0]
        if path in self._deferred:
            collectors = self._deferred.pop(path)
        else:
            collectors = [collector for deferred in self._deferred.values() for collector in deferred]
            self._deferred.clear()
        items: list[pytest.Item] = []
        for collector in collectors:
            items.extend(self._collect(collector))
        return items

    def _collect(self, collector: pytest.Collector) -> list[pytest.Item]:
        session = collector.session
        errors = _CollectErrors()
        config = session.config
        config.pluginmanager.register(errors, "jackd-split-errors")
        try:
            items = self._genitems(collector)
        finally:
            config.pluginmanager.unregister(errors)
        if errors.first:
            self.errors[collector.nodeid] = errors.first
        # As the owner's collection did, so marks that conftests add there apply here too.
        config.hook.pytest_collection_modifyitems(session=session, config=config, items=items)
        return items


def _import_quietly(collector: pytest.Collector) -> None:
    """Import a deferred test module as pytest's collection would (`Module.obj`: its import mode, the
    assertion rewrite, conftests already loaded), and keep it on the collector for when its tests come.
    Whatever the import raises is the collecting worker's to report; here it leaves things as pytest
    leaves them after a failed import, and the file fails again if this worker must collect it."""
    if not isinstance(collector, pytest.Module):
        return  # other collectors (a DoctestModule, a plugin's files) import when they collect
    try:
        collector.obj  # noqa: B018  # the property imports and caches the module
    except KeyboardInterrupt:
        raise
    except BaseException:  # a collection error, a module-level skip or exit, SystemExit
        pass


def _module_name(path: Path) -> str:
    """The name pytest's prepend and append import modes import a test module under: its dotted path
    from the top of its package, or its bare name outside packages. (With consider_namespace_packages
    pytest may prefix namespace packages; files it then tells apart are only grouped needlessly.)"""
    package = resolve_package_path(path)
    if package is None:
        return path.stem
    names = list(path.with_suffix("").relative_to(package.parent).parts)
    if names[-1] == "__init__":
        names.pop()
    return ".".join(names)


class _CollectErrors:
    """Keeps the first collection error while a deferred file is collected."""

    def __init__(self) -> None:
        self.first = ""

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and not self.first:
            self.first = report.longreprtext


def install(config: pytest.Config) -> SplitCollection | None:
    """Register the plugin when this worker was given a share and the run allows splitting."""
    share = share_from_environ()
    if share is None or not wanted(config):
        return None
    # The importlib import mode gives each file a name of its own.
    clashes = getattr(config.option, "importmode", "prepend") != "importlib"
    plugin = SplitCollection(*share, claims=os.environ.get(CLAIMS_ENV, "") if share[1] else "", clashes=clashes,
                             imports=os.environ.get(IMPORTS_ENV) != "lazy")
    config.pluginmanager.register(plugin, "jackd-split-collection")
    return plugin
