"""Live output in workers: under `-s` and live logging (`--log-cli-level`, `log_cli = true`) the engine
passes each worker's stdout on as it is written, every line prefixed with the worker's id.

pytest's own terminal reporter would write its session header and progress letters there too: those
are the engine's job, so inside a worker the reporter writes to /dev/null. Live log records, which
pytest writes through that reporter, go to the worker's real stdout instead, formatted as pytest formats
them ("---- live log call ----" and the log_cli_format lines).

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
    reporter._tw = TerminalWriter(open(os.devnull, "w", encoding="utf-8"))
    logging_plugin = config.pluginmanager.get_plugin("logging-plugin")
    handler = getattr(logging_plugin, "log_cli_handler", None)
    if handler is not None and hasattr(handler, "stream") and live_logging_enabled(config):
        handler.stream = _LiveLogTerminal(live_stdout)
    else:
        os.close(live_stdout)
