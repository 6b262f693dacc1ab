"""pytest plugin of the shim's `collect` mode: writes one CollectionReport at session finish.

Loaded only with `-p jackd_shim.collect_plugin` by `jackd_shim.__main__`, which sets `report_path` first.
Without a report path the plugin stays inert. With one, it turns `--collect-only` on itself, after
noting whether the user asked for it (PytestSettings.collect_only). The report is written
atomically (temporary file, then rename), so the engine never reads half a report; pytest's usage errors
(exit 4) write none, as the contract says, unless collection errors came first.

PYTEST_DONT_REWRITE: this module is imported before pytest marks `-p` modules for assertion rewriting.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import TYPE_CHECKING, Any

import pluggy
import pytest

from jackd_shim import __version__, jackd_pb2, live_output, repeats
from jackd_shim.coverage_compat import read_pytest_cov_options, silence_pytest_cov
from jackd_shim.items import to_test_item
from jackd_shim.outcome import (
    collect_error_summary,
    location_of_skip,
    render_longrepr,
    session_exit,
    strip_skipped_prefix,
)
from jackd_shim.protocol import PROTOCOL_VERSION, collection_digest, utf8_text
from jackd_shim.xdist_compat import neutralise_xdist, register_marks

if TYPE_CHECKING:
    from jackd_shim.split_collection import SplitCollection

# Set by jackd_shim.__main__ before pytest.main(); the file the CollectionReport goes to.
report_path: str | None = None

# Whether the user's own arguments (command line, addopts) asked for --collect-only / --co.
_user_collect_only = False

_USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR: the contract says no report is written
_DEFAULT_DURATIONS_MIN = 0.005  # seconds; pytest's documented default for --durations-min


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config):
    silence_pytest_cov(early_config)  # its options are reported instead (PytestSettings.pytest_cov)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config: pytest.Config):
    # A hookwrapper runs before every plain implementation (xdist's tryfirst one, pytest's main), so the
    # options are set before anything reads them.
    global _user_collect_only
    if config.pluginmanager.is_blocked("terminal"):
        # The engine's report honours pytest's terminal options (-v, --tb, -r, ...), which that plugin
        # defines: without it they do not exist.
        raise pytest.UsageError("-p no:terminal is not supported: jackd's report honours the options of "
                                "pytest's terminal plugin; use -q or -qq for a quieter one")
    neutralise_xdist(config)
    if report_path is not None:
        _user_collect_only = bool(config.option.collectonly)
        config.option.collectonly = True
    yield


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    register_marks(config)
    repeats.register(config)
    if report_path is not None:
        config.pluginmanager.register(CollectionRecorder(config, report_path), "jackd-collection")


def record_in_worker(config: pytest.Config, path: str, split: SplitCollection | None = None) -> None:
    """Record the CollectionReport in a prestarted worker, written once collection is done: the whole
    collection (gw0), or this worker's share of a split one."""
    global _user_collect_only
    _user_collect_only = bool(config.option.collectonly)
    config.pluginmanager.register(CollectionRecorder(config, path, in_worker=True, split=split),
                                  "jackd-collection")


class CollectionRecorder:
    """Gathers the CollectionReport from pytest's collection hooks and writes it at session finish."""

    def __init__(self, config: pytest.Config, path: str, in_worker: bool = False,
                 split: SplitCollection | None = None) -> None:
        """`in_worker`: recording inside a worker, which collects for the engine and then serves tests
        (see engine/prestart.h): the report is written as soon as collection is done, with the options
        the user gave (captured now, before the worker plugin changes them). `split`: the worker collects
        a share of the files, and the report says which."""
        self._config = config
        self._path = path
        self._in_worker = in_worker
        self._split = split
        self._written = False
        self._maxfail = int(config.option.maxfail or 0)
        self._report = jackd_pb2.CollectionReport(protocol_version=PROTOCOL_VERSION, shim_version=__version__)
        # Remember --junitxml for the engine, and keep pytest from writing an empty collect-only JUnit
        # file where the engine will write the real one.
        self._junitxml: str | None = config.option.xmlpath
        config.option.xmlpath = None

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if self._written:
            return  # a file a split worker collects later, for its tests
        if report.failed:
            self._report.errors.add(node_id=utf8_text(report.nodeid), longrepr=utf8_text(render_longrepr(report)),
                                    summary=utf8_text(collect_error_summary(report)),
                                    file_ordinal=self._split.files_walked() if self._split else 0)
        elif report.skipped and isinstance(report.longrepr, tuple):
            self._report.skips.add(
                node_id=utf8_text(report.nodeid),
                reason=utf8_text(strip_skipped_prefix(str(report.longrepr[2]))),
                location=utf8_text(location_of_skip(report.longrepr, self._config.invocation_params.dir)),
                longrepr=utf8_text(str(report.longrepr)),
            )

    def pytest_warning_recorded(self, warning_message, when: str, nodeid: str, location) -> None:
        from _pytest.warnings import warning_record_to_str

        if self._written:
            return
        # As pytest's WarningReport.get_location: the node ID, else where the warning points.
        where = nodeid
        if not where and getattr(warning_message, "filename", None):
            where = f"{_relative(self._config, warning_message.filename)}:{warning_message.lineno}"
        self._report.warnings.add(message=utf8_text(warning_record_to_str(warning_message)),
                                  location=utf8_text(where or ""))

    def pytest_deselected(self, items) -> None:
        if not self._written:
            self._report.deselected += len(items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        rootpath = self._config.rootpath
        split = self._split
        for item in session.items:
            test = self._report.items.add()
            test.CopyFrom(to_test_item(item, rootpath))
            if split is not None:
                test.file_ordinal = split.ordinal_of(item)

    # tryfirst: the outermost wrapper, so that pytest's warnings plugin, whose wrapper records the warnings
    # raised while collecting only when collection is over, has recorded them before the report goes out.
    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_collection(self, session: pytest.Session):
        outcome = yield
        # In a worker the report goes out as soon as collection is done: the worker goes on to serve tests
        # while the engine plans. Not when collection raised (a missing path is a usage error, and pytest
        # calls pytest_collection_finish even then).
        if self._in_worker and outcome.excinfo is None:
            self._write(0)
        elif outcome.excinfo is not None and isinstance(outcome.excinfo[1], pytest.UsageError):
            # Kept for the report in case collection errors came first (see pytest_sessionfinish).
            self._report.usage_errors.extend(utf8_text(str(message)) for message in outcome.excinfo[1].args)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # pytest.exit() ended the session (pytest calls this hook for it too, before sessionfinish): the
        # engine ends the run the same way.
        if isinstance(excinfo.value, pytest.exit.Exception) and not self._written:
            self._report.session_exit.CopyFrom(session_exit(excinfo.value))

    def pytest_internalerror(self, excrepr: Any) -> None:
        # pytest prints it to the terminal (the engine's, here) and exits 3: the engine does the same.
        if not self._written and not self._report.internal_error:
            self._report.internal_error = utf8_text(str(excrepr))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        # A usage error that follows collection errors is their consequence (with --pyargs, a package's
        # broken conftest.py leaves "found no collectors for ..."), and pytest shows those errors and
        # writes its reports as for any collection error: the engine needs them to do the same. In a
        # worker it writes nothing; the engine's own collect process then tells.
        usage_error_after_errors = (not self._in_worker and bool(self._report.errors)
                                    and bool(self._report.usage_errors))
        if int(exitstatus) != _USAGE_ERROR or usage_error_after_errors:
            self._write(int(exitstatus))

    def _write(self, exitstatus: int) -> None:
        if self._written:
            return
        self._written = True
        report = self._report
        report.pytest_exit = exitstatus
        split = self._split
        if split is None:
            report.digest = collection_digest(item.node_id for item in report.items)
        else:  # the engine's digest is of the merged shares
            report.split_ways, report.split_share = split.ways, split.share
            report.split_files = split.files_walked()
            report.split_collected.extend(sorted(split.collected))
        # The engine takes the settings from share 0 (or the one report), which also makes the run's
        # basetemp. The other shares leave them out: they would number a basetemp of their own, and
        # reading the plugins' versions from their metadata costs several milliseconds a worker, just
        # when the engine waits for the last share.
        if split is None or split.share == 0:
            report.settings.CopyFrom(read_settings(self._config, self._junitxml))
            report.settings.maxfail = self._maxfail
        _write_atomically(self._path, report.SerializeToString())


def read_settings(config: pytest.Config, junitxml: str | None) -> jackd_pb2.PytestSettings:
    """The parts of pytest's parsed configuration the engine's reporters honour."""
    from _pytest.terminal import getreportopt

    option = config.option
    get_verbosity = getattr(config, "get_verbosity", None)  # pytest >= 8
    verbosity = int(get_verbosity() if get_verbosity else option.verbose)
    durations = getattr(option, "durations", None)
    durations_min = getattr(option, "durations_min", None)
    if durations_min is None:  # pytest >= 9 leaves it unset; this is the default it then applies
        durations_min = _DEFAULT_DURATIONS_MIN if verbosity < 2 else 0.0
    settings = jackd_pb2.PytestSettings(
        verbosity=verbosity,
        maxfail=int(option.maxfail or 0),
        tb_style=str(option.tbstyle),
        report_chars=getreportopt(config),
        durations=-1 if durations is None else int(durations),
        durations_min=float(durations_min),
        junitxml_path=_absolute_junitxml(config, junitxml),
        junit_suite_name=str(config.getini("junit_suite_name")),
        color=str(getattr(option, "color", "auto")),
        rootdir=str(config.rootpath),
        configfile=str(config.inipath) if config.inipath else "",
        plugins=plugin_versions(config),
        pytest_version=pytest.__version__,
        python_version=platform.python_version(),
        platform=sys.platform,
        pluggy_version=pluggy.__version__,
        capture_disabled=getattr(option, "capture", "fd") == "no",
        live_logging=live_output.live_logging_enabled(config),
        collect_only=_user_collect_only,
        continue_on_collection_errors=bool(getattr(option, "continue_on_collection_errors", False)),
        benchmark_disable=bool(getattr(option, "benchmark_disable", False)),
        benchmark_only=bool(getattr(option, "benchmark_only", False)),
        cache_dir=_cache_dir(config),
        invocation_dir=str(config.invocation_params.dir),
        basetemp=_basetemp(config),
        debugger=bool(getattr(option, "usepdb", False) or getattr(option, "trace", False)),
        stepwise_blocked=not config.pluginmanager.has_plugin("stepwise"),
    )
    cov_options = read_pytest_cov_options(config)
    if cov_options is not None:
        settings.pytest_cov.CopyFrom(cov_options)
    stepwise = read_stepwise(config)
    if stepwise is not None:
        settings.stepwise.CopyFrom(stepwise)
    return settings


def read_stepwise(config: pytest.Config) -> jackd_pb2.Stepwise | None:
    """pytest's stepwise plugin as collection left it; None without --sw (or without the plugin).

    Read after collection: the plugin's pytest_collection_modifyitems has deselected the tests before the
    last failed one, and may have reset its state (--sw-reset, a changed test count)."""
    plugin = config.pluginmanager.get_plugin("stepwiseplugin")
    if plugin is None or not getattr(plugin, "active", True):  # pytest < 6.2 registered it always
        return None
    stepwise = jackd_pb2.Stepwise(skip=bool(getattr(plugin, "skip", False)), test_count=-1)
    status = getattr(plugin, "report_status", None)  # a list (pytest >= 8) or one string
    for line in [status] if isinstance(status, str) else status or []:
        stepwise.status.append(utf8_text(f"stepwise: {line}"))
    info = getattr(plugin, "cached_info", None)  # recent pytest (9.x): last failed test and test count
    if info is not None:
        stepwise.stores_test_count = True
        if info.last_test_count is not None:
            stepwise.test_count = int(info.last_test_count)
        last_failed = info.last_failed
    else:
        last_failed = getattr(plugin, "lastfailed", None)
    stepwise.last_failed = utf8_text(str(last_failed)) if last_failed else ""
    return stepwise


def _basetemp(config: pytest.Config) -> str:
    # Made here, once per run, with pytest's own numbering and clean-up of old directories.
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None or _user_collect_only:
        return ""
    import _pytest.pathlib

    # The engine holds the directory's lock for the whole run (engine/basetemp_lock.h). This process
    # exits long before the run ends, and must not take the lock with it: another pytest session would
    # then delete the directory while workers still use it.
    register_lock_removal = _pytest.pathlib.register_cleanup_lock_removal

    def keep_lock(lock_path: Any, register: Any = None) -> None:  # pytest < 9 passes one argument
        return None

    _pytest.pathlib.register_cleanup_lock_removal = keep_lock
    try:
        return str(factory.getbasetemp())
    finally:
        _pytest.pathlib.register_cleanup_lock_removal = register_lock_removal


def _cache_dir(config: pytest.Config) -> str:
    # The engine writes the run's last-failed list there (workers must not: the last writer would win).
    # Empty with -p no:cacheprovider.
    cache = getattr(config, "cache", None)
    return str(cache._cachedir) if cache is not None and hasattr(cache, "_cachedir") else ""


def plugin_versions(config: pytest.Config) -> list[str]:
    """"name-version" of plugins from distributions, as pytest's header line "plugins: ..." lists them."""
    names: list[str] = []
    for _plugin, dist in config.pluginmanager.list_plugin_distinfo():
        name = f"{dist.project_name}-{dist.version}"
        name = name.removeprefix("pytest-")
        if name not in names:
            names.append(name)
    return names


def _absolute_junitxml(config: pytest.Config, junitxml: str | None) -> str:
    # The same expansion pytest's junitxml plugin applies, but against the invocation directory rather
    # than the process's current one.
    if not junitxml:
        return ""
    path = os.path.expanduser(os.path.expandvars(junitxml))
    return os.path.normpath(os.path.join(str(config.invocation_params.dir), path))


def _relative(config: pytest.Config, filename: str) -> str:
    # As pytest's WarningReport.get_location shows a file: relative to where pytest was started.
    from _pytest.pathlib import absolutepath, bestrelpath

    return bestrelpath(config.invocation_params.dir, absolutepath(filename))


def _write_atomically(path: str, data: bytes) -> None:
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "wb") as stream:
        stream.write(data)
    os.replace(temporary, path)
