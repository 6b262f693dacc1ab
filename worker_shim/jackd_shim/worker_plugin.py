"""pytest plugin of the shim's `worker` mode: collect as pytest does, then serve one Engine.Work stream.

Loaded only with `-p jackd_shim.worker_plugin` by `jackd_shim.__main__`. Reads the environment the
engine sets (docs/engine-shim-contract.md):

- JACKD_ADDRESS (required): gRPC target of the engine, e.g. `unix:/tmp/jackd-ab12/engine.sock`.
- JACKD_WORKER_ID: "gw0", ...; echoed in WorkerReady and given by the `worker_id` fixture.
- JACKD_TOKEN: the run's secret, echoed in WorkerReady / WorkerFailed.
- JACKD_STATUS_FILE: the 16-byte status slot (optional; remote workers have none).
- PYTEST_XDIST_TESTRUNUID: given by the `testrun_uid` fixture.

The engine owns JUnit XML, maxfail across workers and the terminal; this plugin only runs tests and
streams their results.

PYTEST_DONT_REWRITE: this module is imported before pytest marks `-p` modules for assertion rewriting.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import signal
import sys
from dataclasses import dataclass

import pytest

from jackd_shim import (
    __version__,
    collect_plugin,
    compat_fixtures,
    coverage_worker,
    jackd_pb2,
    live_output,
    repeats,
    split_collection,
    start_signal,
)
from jackd_shim.coverage_compat import silence_pytest_cov
from jackd_shim.link import EngineLink
from jackd_shim.outcome import RenderOptions, collect_error_summary
from jackd_shim.protocol import PROTOCOL_VERSION, collection_digest, open_status_slot, utf8_text
from jackd_shim.worker_loop import WorkerLoop
from jackd_shim.xdist_compat import let_pytest_benchmark_measure, neutralise_xdist, register_marks

# How much of the collection errors a WorkerFailed message carries: enough to name the problem, small
# enough for a log line.
_FAILED_ERRORS_LISTED = 10
_FAILED_LONGREPR_LINES = 40

# Set for prestarted workers, which collect for the engine: where a CollectionReport goes. With a share
# (split_collection) each writes its own; without one, or when the run needs the whole collection in
# every worker, gw0 (share 0) writes the one report.
COLLECTION_OUT_ENV = "JACKD_COLLECTION_OUT"
# "0": the worker does not freeze what collection left before its first test (freeze_collected_objects).
GC_FREEZE_ENV = "JACKD_GC_FREEZE"

# pytest's cacheprovider plugins that write what a worker saw of the run to .pytest_cache at session end
# (each worker sees its share; the last to end would win). The engine writes the last-failed list and
# the node IDs for the whole run (engine/pytest_cache.h).
_CACHE_WRITERS = ("lfplugin", "nfplugin", "stepwiseplugin")


@dataclass(frozen=True)
class WorkerEnvironment:
    address: str
    worker_id: str
    token: str
    status_file: str | None

    @classmethod
    def from_environ(cls) -> WorkerEnvironment:
        address = os.environ.get("JACKD_ADDRESS", "")
        if not address:
            raise pytest.UsageError(
                "jackd: error: JACKD_ADDRESS is not set (the worker mode is started by the jackd engine)")
        return cls(
            address=address,
            worker_id=os.environ.get("JACKD_WORKER_ID", ""),
            token=os.environ.get("JACKD_TOKEN", ""),
            status_file=os.environ.get("JACKD_STATUS_FILE") or None,
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config):
    silence_pytest_cov(early_config)  # jackd measures coverage itself (jackd_shim.coverage_worker)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_cmdline_main(config: pytest.Config):
    # A hookwrapper runs before every plain implementation, including xdist's tryfirst one.
    neutralise_xdist(config)
    yield


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    environment = WorkerEnvironment.from_environ()
    # Prestarted workers collect for the engine too (engine/prestart.h): gw0 the whole suite, or each its
    # share (split_collection). The report records the user's options, so it is made before this plugin
    # changes any.
    split = split_collection.install(config)
    collection_out = os.environ.get(COLLECTION_OUT_ENV)
    share = split_collection.share_from_environ()
    if collection_out and (split is not None or share is None or share[0] == 0):
        collect_plugin.record_in_worker(config, collection_out, split)
    register_marks(config)
    repeats.register(config)
    repeats.switch_off_rerun_plugins(config)  # the engine reruns failed tests, on any worker
    # As pytest-xdist does: each worker's temporary directory lies inside one directory per run, so the
    # "session fixture once per run" recipe (getbasetemp().parent + a file lock) works unchanged.
    basetemp = os.environ.get("JACKD_BASETEMP")
    if basetemp:
        config.option.basetemp = basetemp
    if config.pluginmanager.has_plugin("benchmark"):
        let_pytest_benchmark_measure()
    config.option.xmlpath = None  # the engine writes the run's JUnit XML; tryfirst beats junitxml's hook
    # The engine counts failures across workers and sends Stop. With pytest's own count, the session
    # would mark itself failing and tear every fixture down after each later test (and pytest >= 8
    # refuses to unset that mark).
    maxfail = int(config.option.maxfail or 0)
    config.option.maxfail = 0
    # A duplicate of the real stderr, taken now while pytest's capture is suspended: during a test fd 2
    # points into a capture file that dies with the process, and crash tracebacks must survive.
    stderr_fd = os.dup(_stderr_fileno())
    faulthandler.enable(file=stderr_fd, all_threads=True)
    # The engine sends SIGUSR1 before it kills a worker whose test timed out: every thread's stack goes
    # to stderr, which the engine shows as the timeout's report.
    faulthandler.register(signal.SIGUSR1, file=stderr_fd, all_threads=True)
    # pytest-timeout would enforce the same marks from inside the test process; the engine does it.
    timeout_plugin = config.pluginmanager.get_plugin("timeout")
    if timeout_plugin is not None:
        config.pluginmanager.unregister(timeout_plugin)
    config.pluginmanager.register(compat_fixtures, "jackd-compat-fixtures")
    config.pluginmanager.register(WorkerSession(config, environment, stderr_fd, maxfail, split), "jackd-worker")


def freeze_collected_objects() -> None:
    """Move what collection left (test modules, items, fixture definitions: alive until the worker exits)
    out of the garbage collector's way before the first test. Otherwise every full collection walks all
    of it again; tests that make cyclic garbage trigger many (networkx's suite, serially: 16-23% less CPU
    with the freeze). The garbage of collection goes first, so none is kept for good.
    JACKD_GC_FREEZE=0 leaves the collector as pytest does."""
    if os.environ.get(GC_FREEZE_ENV, "1") == "0":
        return
    gc.collect()
    gc.freeze()


class WorkerSession:
    """Connects to the engine once collection is done and serves the stream in pytest_runtestloop."""

    def __init__(self, config: pytest.Config, environment: WorkerEnvironment, stderr_fd: int,
                 maxfail: int, split: split_collection.SplitCollection | None) -> None:
        self._config = config
        self._split = split  # this worker collected a share only
        self._maxfail = maxfail  # the user's --maxfail / -x, which this worker leaves to the engine
        self._environment = environment
        self._stderr_fd = stderr_fd
        self._collect_errors: list[pytest.CollectReport] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        live_output.quiet_terminal_reporter(self._config)  # before the reporter prints its header
        live_output.skip_per_test_reporting(self._config)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._collect_errors.append(report)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        environment = self._environment
        if session.config.option.collectonly:
            return True  # only a listing (an `addopts = --co`); the engine takes it from its collection
        # --lf/--nf/--sw already filtered or ordered the collection; their session-end cache writes would
        # each record one worker's share (the last writer winning), so the engine writes for the run.
        for name in _CACHE_WRITERS:
            plugin = self._config.pluginmanager.get_plugin(name)
            if plugin is not None:
                self._config.pluginmanager.unregister(plugin)
        # The engine's digest: in the environment, or (a prestarted worker) in the start file.
        expected = os.environ.get("JACKD_COLLECTION_DIGEST")
        started = start_signal.wait_for_start()
        if started is not None:
            expected, basetemp = started
            if basetemp:
                start_signal.adopt_basetemp(self._config, f"{basetemp}/popen-{environment.worker_id}")
        # Opened first: a bad slot path is an error the engine sees as an early exit, not a half-served
        # stream.
        slot = open_status_slot(environment.status_file)
        link = EngineLink(environment.address, stderr_fd=self._stderr_fd)
        digest, failure = self._check_collection(session)
        # A share has no digest of its own to compare: the engine merged the shares into its collection.
        mismatch = (self._mismatch(session, digest, expected)
                    if failure is None and self._split is None else None)
        if mismatch is not None:
            link.close(last=jackd_pb2.WorkerMessage(failed=jackd_pb2.WorkerFailed(
                worker_id=environment.worker_id, token=environment.token, mismatch=mismatch,
                message="this worker collected different tests than the engine")))
            slot.close()
            return True
        if failure is not None:
            link.close(last=jackd_pb2.WorkerMessage(failed=jackd_pb2.WorkerFailed(
                worker_id=environment.worker_id, token=environment.token, message=utf8_text(failure))))
            slot.close()
            return True
        link.send(jackd_pb2.WorkerMessage(ready=jackd_pb2.WorkerReady(
            protocol_version=PROTOCOL_VERSION,
            shim_version=__version__,
            worker_id=environment.worker_id,
            token=environment.token,
            pid=os.getpid(),
            collected=len(session.items),
            digest=digest,
        )))
        freeze_collected_objects()
        loop = WorkerLoop(session, link, environment.worker_id, slot, _render_options(self._config),
                          flush_failures=self._maxfail > 0, before_flush=coverage_worker.checkpoint,
                          split=self._split)
        self._config.pluginmanager.register(loop, "jackd-loop")
        try:
            loop.run()
        finally:
            self._config.pluginmanager.unregister(loop)
            slot.close()
            coverage_worker.finish()  # where pytest-cov stops measuring: after the run loop
        # A worker of a split collection may have collected nothing up front and still have run tests
        # (collected on demand): pytest must not end it as "no tests collected".
        session.testscollected = max(session.testscollected, loop.tests_run)
        return True

    def _check_collection(self, session: pytest.Session) -> tuple[str, str | None]:
        """(digest, None) when this worker can serve, else ("", what went wrong)."""
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            return "", self._collection_failure(session.testsfailed)
        if self._split is not None:
            return "", None
        try:
            return collection_digest(utf8_text(item.nodeid) for item in session.items), None
        except Exception as error:  # a plugin made node IDs that are not strings, or worse
            return "", f"jackd worker {self._environment.worker_id}: cannot build the collection digest: {error!r}"

    def _mismatch(self, session: pytest.Session, digest: str,
                  expected: str | None) -> jackd_pb2.CollectionMismatch | None:
        """How this worker's collection differs from the engine's (digest `expected`), when the engine's
        report is at hand."""
        path = os.environ.get("JACKD_COLLECTION_REPORT")
        if not expected or digest == expected or not path:
            return None
        report = jackd_pb2.CollectionReport()
        with open(path, "rb") as stream:
            report.ParseFromString(stream.read())
        engine = [item.node_id for item in report.items]
        engine_ids = set(engine)
        ours = [utf8_text(item.nodeid) for item in session.items]
        our_ids = set(ours)
        return jackd_pb2.CollectionMismatch(missing=[i for i in engine if i not in our_ids],
                                            unexpected=[i for i in ours if i not in engine_ids])

    def _collection_failure(self, count: int) -> str:
        lines = [f"jackd worker {self._environment.worker_id}: {count} error(s) during collection"]
        for report in self._collect_errors[:_FAILED_ERRORS_LISTED]:
            lines.append(f"ERROR {report.nodeid} - {collect_error_summary(report)}")
        if self._collect_errors:
            lines.append("")
            lines.extend(self._collect_errors[0].longreprtext.splitlines()[:_FAILED_LONGREPR_LINES])
        return "\n".join(lines)


def _stderr_fileno() -> int:
    try:
        fileno = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):  # stderr replaced by an object without a descriptor
        return 2
    return fileno if fileno >= 0 else 2


def _render_options(config: pytest.Config) -> RenderOptions:
    from _pytest.terminal import TerminalReporter, getreportopt

    reportchars = getreportopt(config)
    return RenderOptions(
        startpath=config.invocation_params.dir,
        show_passes="P" in reportchars,
        show_xpasses="X" in reportchars and hasattr(TerminalReporter, "summary_xpasses"),
        showcapture=str(getattr(config.option, "showcapture", "all")),
    )
