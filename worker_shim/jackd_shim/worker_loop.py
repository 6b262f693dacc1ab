"""The worker's run queue: TestRefs in, pytest_runtest_protocol per test, TestResults out.

Queue rule (pytest's `nextitem` semantics): a test runs only once the test after it is known, or once
the engine said Finish (then the last one runs with nextitem=None). So module and class fixtures shared
by consecutive tests are set up once even when the tests arrive in several batches.

Results are batched: one TestResults message carries many. They are flushed when the queue first gets
down to the engine's `report_at` after a RunBatch (once: that flush is the request for more work, and a
flush after every later test until the next batch arrives would cost a message per test), when
FLUSH_RESULTS are buffered or FLUSH_BYTES of text, when FLUSH_SECONDS passed since the last flush, after
a failure when the user set --maxfail/-x (the engine stops the run sooner), before blocking for engine
messages, and at the end. There is no per-test round trip; between tests the inbox is drained without
blocking.

The worker never stops on its own: the engine counts failures across workers and sends Stop, and a
stream closed without Finish or Stop reads as a crash. pytest's session.shouldstop (set by plugins such
as stepwise) is therefore not obeyed here.

Registered as a pytest plugin for the duration of the loop: its logstart/logreport hooks feed the
TestRecord of the running test.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections import deque
from collections.abc import Iterable
from typing import Any, Callable

import pytest

from jackd_shim import jackd_pb2
from jackd_shim.link import EXIT_ENGINE_GONE, EngineLink
from jackd_shim.outcome import RenderOptions, TestRecord, now, session_exit
from jackd_shim.protocol import NoStatusSlot, StatusSlot, utf8_text
from jackd_shim.repeats import prepare_rerun
from jackd_shim.split_collection import SplitCollection

# Results per TestResults message before a flush: large enough to amortise the per-message cost over
# trivial tests, small enough that the engine sees progress every few milliseconds.
FLUSH_RESULTS = 64
# Longest a finished result waits in the buffer while tests keep running, so live reporting and the
# engine's refill decisions never lag far behind.
FLUSH_SECONDS = 0.1
# Rendered failures can be large (long tracebacks, captured logs): flush once this much text is buffered,
# so one TestResults message stays far below the message limits of gRPC servers.
FLUSH_BYTES = 1 << 20

# True in a process forked by a test. If such a child returns from the test into this loop (a test that
# forks and lets the child fall through, e.g. with sys.exit), it must not touch the parent's status slot
# or run the queue again: it would hang on the inbox forever without the parent's reader thread.
_in_forked_child = False
_watching_forks = False


def _mark_forked_child() -> None:
    global _in_forked_child
    _in_forked_child = True


def _watch_forks() -> None:
    """Marks the processes forked from here on. Not at import: the fork server imports this module
    before it forks the worker itself."""
    global _watching_forks
    if not _watching_forks:
        _watching_forks = True
        os.register_at_fork(after_in_child=_mark_forked_child)


class WorkerLoop:
    """Serves one Work stream after WorkerReady was sent: runs what the engine sends until Finish or
    Stop."""

    def __init__(self, session: pytest.Session, link: EngineLink, worker_id: str,
                 slot: StatusSlot | NoStatusSlot, options: RenderOptions, flush_failures: bool,
                 before_flush: Callable[[], None] = lambda: None,
                 split: SplitCollection | None = None) -> None:
        _watch_forks()
        self._session = session
        self._split = split  # collects the files this worker did not collect up front
        # Runs just before each results flush (the coverage checkpoint): whatever it saves then covers
        # every result the engine has received.
        self._before_flush = before_flush
        self._flush_failures = flush_failures
        self._link = link
        self._worker_id = worker_id
        self._slot = slot
        self._options = options
        self._items: dict[str, pytest.Item] = {}
        # file -> its node IDs in _items, made when a test was not collected; None when _items changed
        self._ids_by_file: dict[str, list[str]] | None = None
        for item in session.items:
            # Keyed as the collection report spells node IDs. They are unique unless the user passed
            # --keep-duplicates; the first copy then serves.
            self._items.setdefault(utf8_text(item.nodeid), item)
        self._queue: deque[tuple[int, pytest.Item]] = deque()
        self._report_at = 0
        self._asked = False  # the queue got down to report_at and results went out since the last batch
        self._finish = False
        self._stop = False
        self._record: TestRecord | None = None
        self._pending = jackd_pb2.WorkerMessage()
        self._buffered = 0
        self._buffered_bytes = 0  # counted for results with phase reports only; the rest are tiny
        self._last_flush = now()
        self._ran: set[int] = set()  # id() of items that ran in this process: a rerun must reset them

    @property
    def tests_run(self) -> int:
        """How many distinct tests this worker ran."""
        return len(self._ran)

    # -- pytest hooks -------------------------------------------------------------------------------

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        record = self._record
        if record is not None and nodeid == record.nodeid:
            record.restart()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self._record
        if record is not None and report.nodeid == record.nodeid:
            record.add(report)

    def pytest_warning_recorded(self, warning_message: Any, when: str, nodeid: str, location: Any) -> None:
        # Only warnings of running tests: the engine's collection already reported those of collection.
        record = self._record
        if when == "runtest" and record is not None:
            from _pytest.warnings import warning_record_to_str

            record.warnings.append(warning_record_to_str(warning_message))

    # -- the loop -----------------------------------------------------------------------------------

    def run(self) -> None:
        """Serve the stream to its end, then tear fixtures down, flush and close our side.

        If a test raises out of pytest's protocol (pytest.exit, KeyboardInterrupt, an internal error),
        the results so far are still flushed and the stream closed; the exception then propagates to
        pytest, and the status slot keeps naming the test that was running. pytest.exit() also tells the
        engine (SessionExit), which ends the run as pytest would; anything else reads as a crash.
        """
        try:
            self._serve()
            self._teardown_leftovers()
        except pytest.exit.Exception as escaped:
            self._pending.results.session_exit.CopyFrom(session_exit(escaped))  # sent by the final flush
            raise
        except BaseException as escaped:
            # The engine shows this worker's stderr as the report of the test it was running.
            record = self._record
            sys.stderr.write(f"jackd worker {self._worker_id}: {type(escaped).__name__}: {escaped} escaped "
                             f"{record.nodeid if record else 'the run loop'}; the worker stops\n")
            sys.stderr.flush()
            raise
        finally:
            self._flush(final=True)
            self._link.close()

    def _serve(self) -> None:
        queue = self._queue
        inbox = self._link.inbox
        while True:
            while not inbox.empty():
                self._take(inbox.get_nowait())
            if self._stop:
                return  # queued tests are dropped: the engine accounts for them
            if len(queue) >= 2 or (queue and self._finish):
                failed = self._run_next()
                low = len(queue) <= self._report_at and not self._asked
                if (low or self._buffered >= FLUSH_RESULTS or self._buffered_bytes >= FLUSH_BYTES
                        or (failed and self._flush_failures) or now() - self._last_flush >= FLUSH_SECONDS):
                    self._flush()
                    self._asked = self._asked or low
            elif self._finish:
                return
            else:
                self._flush()
                self._take(inbox.get())  # blocks; the reader thread ends the process if the engine goes

    def _take(self, message: jackd_pb2.EngineMessage) -> None:
        kind = message.WhichOneof("kind")
        if kind == "run":
            self._report_at = message.run.report_at
            self._asked = False
            self._enqueue(message.run.tests)
        elif kind == "finish":
            self._finish = True
        elif kind == "stop":
            self._stop = True
        else:
            sys.stderr.write(f"jackd-shim: ignoring an engine message of unknown kind {kind!r}\n")

    def _enqueue(self, refs: Iterable[jackd_pb2.TestRef]) -> None:
        items = self._items
        for ref in refs:
            item = items.get(ref.node_id)
            if item is None and self._split is not None:
                for collected in self._split.collect_file_of(ref.node_id):
                    items.setdefault(utf8_text(collected.nodeid), collected)
                    self._ids_by_file = None
                item = items.get(ref.node_id)
            if item is None:
                self._not_collected(ref)
            else:
                self._queue.append((ref.index, item))

    def _run_next(self) -> bool:
        """Run the queue's first test; True when it failed or errored."""
        index, item = self._queue.popleft()
        nextitem = self._queue[0][1] if self._queue else None
        if id(item) in self._ran:
            prepare_rerun(item)
        self._ran.add(id(item))
        record = self._record = TestRecord(index, item.nodeid, item.config)
        self._slot.started(index)
        item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        if _in_forked_child:
            _leave_forked_child(item.nodeid)
        self._slot.finished()
        self._record = None
        result = self._pending.results.results.add()
        record.fill(result, self._options)
        self._buffered += 1
        if not result.reports:
            return False
        self._buffered_bytes += result.ByteSize()
        return result.outcome in (jackd_pb2.OUTCOME_FAILED, jackd_pb2.OUTCOME_ERROR)

    def _not_collected(self, ref: jackd_pb2.TestRef) -> None:
        # Nothing may be lost silently: a test this worker cannot run still gets its one result.
        result = self._pending.results.results.add()
        result.index = ref.index
        result.outcome = jackd_pb2.OUTCOME_ERROR
        result.started = result.finished = now()
        phase = result.reports.add()
        phase.when = jackd_pb2.PHASE_SETUP
        phase.longrepr = (f"jackd worker {self._worker_id} did not collect {ref.node_id!r}: its collection "
                          f"differs from the engine's")
        path = ref.node_id.split("::", 1)[0]
        file_error = self._split.errors.get(path) if self._split is not None else None
        if file_error:
            phase.longrepr += f"; collecting its file here failed:\n{file_error}"
        else:
            phase.longrepr += self._what_was_collected_instead(ref.node_id, path)
        phase.summary = "not collected by this worker"
        self._buffered += 1

    def _what_was_collected_instead(self, node_id: str, path: str) -> str:
        """The likeliest cause, with the IDs this worker has in the test's file: a test ID made of values
        that differ from process to process (random numbers, object addresses, the environment)."""
        here = self._ids_in_file(path)
        if not here:
            return f". It collected no test of {path!r}"
        function = node_id.split("[", 1)[0]
        here.sort(key=lambda other: not other.startswith(f"{function}["))  # likely counterparts first
        shown = ", ".join(repr(other) for other in here[:3])
        if len(here) > 3:
            shown += f" and {len(here) - 3} more"
        return (f". In {path!r} it collected {shown}: test IDs must be the same in every process (give "
                "parametrize stable ids= rather than random values, object addresses or the environment)")

    def _ids_in_file(self, path: str) -> list[str]:
        # Indexed, not scanned: a suite of random IDs can miss thousands of tests.
        if self._ids_by_file is None:
            self._ids_by_file = {}
            for node_id in self._items:
                self._ids_by_file.setdefault(node_id.split("::", 1)[0], []).append(node_id)
        return list(self._ids_by_file.get(path, ()))

    def _teardown_leftovers(self) -> None:
        """Tear down what the last test left set up for a next test that will not run (after Stop).

        The teardown belongs to no test any more, so its errors can only go to stderr."""
        setupstate = getattr(self._session, "_setupstate", None)
        teardown_exact = getattr(setupstate, "teardown_exact", None)  # pytest >= 7
        if teardown_exact is None or not getattr(setupstate, "stack", True):
            return
        try:
            teardown_exact(None)
        except Exception:  # a fixture's teardown failed; the test it served is already reported
            sys.stderr.write("jackd-shim: fixture teardown after the last test failed:\n")
            traceback.print_exc()

    def _flush(self, final: bool = False) -> None:
        exiting = self._pending.results.HasField("session_exit")
        if not self._buffered and not (final and (self._queue or exiting)):
            return
        self._before_flush()
        # queued: received and not finished, i.e. still in the queue (or dropped, at the end).
        self._pending.results.queued = len(self._queue)
        self._link.send(self._pending)
        self._pending = jackd_pb2.WorkerMessage()
        self._buffered = self._buffered_bytes = 0
        self._last_flush = now()


def _leave_forked_child(nodeid: str) -> None:
    sys.stderr.write(f"jackd-shim: error: a process forked by {nodeid} returned into the worker loop; "
                     f"exiting {EXIT_ENGINE_GONE}\n")
    sys.stderr.flush()
    os._exit(EXIT_ENGINE_GONE)
