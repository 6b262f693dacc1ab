"""pytest's terminal reporter in a worker, and live output.

Under `-s` and live logging (`--log-cli-level`, `log_cli = true`) the engine passes each worker's stdout
on as it is written, every line prefixed with the worker's id. pytest's own terminal reporter would
write its session header and progress letters there too: those are the engine's job, so inside a worker
the reporter writes to /dev/null. Live log records, which pytest writes through that reporter, go to the
worker's real stdout instead, formatted as pytest formats them ("---- live log call ----" and the
log_cli_format lines).

Without live output nobody reads what the reporter writes in a worker, yet it works for every test: see
skip_per_test_reporting.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
from typing import Any

import pytest


def live_logging_enabled(config: pytest.Config) -> bool:
    """pytest's own rule (LoggingPlugin._log_cli_enabled) for whether log records are shown live."""
    return config.getoption("--log-cli-level", None) is not None or bool(config.getini("log_cli"))


def live_output_enabled(config: pytest.Config) -> bool:
    return getattr(config.option, "capture", "fd") == "no" or live_logging_enabled(config)


class _LiveLogTerminal:
    """What pytest's live-log handler needs of a terminal reporter, writing to the real stdout."""

    def __init__(self, fd: int) -> None:
        from _pytest._io import TerminalWriter

        stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8", errors="replace")
        self._tw = TerminalWriter(stream)
        self._tw.hasmarkup = False

    def write(self, content: str, *, flush: bool = False, **markup: Any) -> None:
        self._tw.write(content, flush=flush)

    def section(self, title: str, sep: str = "=", **kw: Any) -> None:
        self._tw.sep(sep, title)

    def line(self, msg: str = "", **kw: Any) -> None:
        self._tw.line(msg)

    def flush(self) -> None:
        self._tw.flush()


def quiet_terminal_reporter(config: pytest.Config) -> None:
    """Call at session start, before the reporter prints its header."""
    if not live_output_enabled(config):
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    from _pytest._io import TerminalWriter

    # A duplicate of stdout taken now: during a test fd 1 may point into pytest's capture file.
    live_stdout = os.dup(1)
    # The reporter keeps writing to it until the process ends, so no `with` could close it earlier.
    reporter._tw = TerminalWriter(open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    logging_plugin = config.pluginmanager.get_plugin("logging-plugin")
    handler = getattr(logging_plugin, "log_cli_handler", None)
    if handler is not None and hasattr(handler, "stream") and live_logging_enabled(config):
        handler.stream = _LiveLogTerminal(live_stdout)
    else:
        os.close(live_stdout)


# The terminal reporter's per-test hooks (pytest_runtest_logfinish only in older pytest releases).
_PER_TEST_HOOKS = ("pytest_runtest_logstart", "pytest_runtest_logreport", "pytest_runtest_logfinish")


def skip_per_test_reporting(config: pytest.Config) -> None:
    """Take pytest's terminal reporter off the per-test hooks: in a worker its progress letters go to a
    file nobody reads (the engine shows progress), yet for every report it called the
    pytest_report_teststatus hook, kept the report for a summary and flushed its output. That was about
    0.07 ms per test, an eighth of what a trivial test costs in all. The reporter stays registered for
    the rest (warnings, the session's end, plugins that write through it); its own end-of-session
    summary in the worker's stdout file no longer counts the tests.

    pluggy has no public way to take one plugin off one hook: HookCaller._remove_plugin is what its
    unregister uses. Where it is missing, nothing changes.
    """
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    for name in _PER_TEST_HOOKS:
        caller = getattr(config.hook, name, None)
        remove = getattr(caller, "_remove_plugin", None)
        if caller is None or remove is None or not any(impl.plugin is reporter for impl in caller.get_hookimpls()):
            continue
        remove(reporter)
