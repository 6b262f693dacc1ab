"""Helpers shared by the e2e tests: processes, results, and reading pytest-style terminal output.

The fixtures that use them live in conftest.py; test modules import what they need from here (never from
conftest, whose module name pytest reuses for every conftest.py without a package).
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
SUPPORT_DIR = E2E_DIR / "support"
REPO = E2E_DIR.parents[1]
PROJECTS = E2E_DIR / "projects"

RUN_TIMEOUT = 120  # seconds; a run of these tiny projects takes a few seconds, so this only catches hangs
PYTEST_TIMEOUT = 300
SURVIVOR_GRACE = 15  # seconds the harness waits for a run's processes to disappear after it exits
# pytest honours COLUMNS; fixing it makes jackd's and pytest's line truncation comparable.
TERMINAL_COLUMNS = "200"

OUTCOMES = ("passed", "flaky", "failed", "error", "skipped", "xfailed", "xpassed", "crashed", "timeout", "not_run")


# ---------------------------------------------------------------------------------------------------
# Environment and processes


def clean_env(extra: dict | None = None) -> dict:
    """os.environ without what the outer test run (maybe itself under jackd or xdist) would leak."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "JACKD_", "E2E_", "COV_CORE_"))
        and key not in ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "VIRTUAL_ENV")
    }
    env["COLUMNS"] = TERMINAL_COLUMNS
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The fixture projects' shared recorder (support/e2e_events.py), for jackd's runs and plain pytest's.
    env["PYTHONPATH"] = str(SUPPORT_DIR)
    env.pop("LINES", None)
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def _proc_state(pid: int) -> str | None:
    """The state letter from /proc/<pid>/stat, or None when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm may contain spaces and parentheses; the state follows the last ')'.
    return stat[stat.rindex(")") + 2]


def is_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a zombie has finished; only its entry remains)."""
    state = _proc_state(pid)
    return state is not None and state not in ("Z", "X")


def processes_with_marker(marker: str) -> list[int]:
    """Live processes (not this one) whose environment holds E2E_RUN_MARKER=<marker>."""
    needle = f"E2E_RUN_MARKER={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0") and is_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    """Poll predicate until it is true or `timeout` seconds have passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return bool(predicate())
        time.sleep(interval)


def describe_pids(pids) -> str:
    """Command line, state and kernel wait channel of each process, plus the tails of the files it has
    open for writing (the engine keeps each shim's output in files): what a hang report needs."""
    lines = []
    for pid in pids:
        proc = Path(f"/proc/{pid}")
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmdline = "?"
        try:
            wchan = (proc / "wchan").read_text()
        except OSError:
            wchan = "?"
        lines.append(f"  pid {pid} state {_proc_state(pid)} wchan {wchan}: {cmdline[:300]}")
        try:
            targets = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
        except OSError:
            targets = set()
        for target in sorted(t for t in targets if t.startswith("/tmp/") and os.path.isfile(t)):
            try:
                tail = Path(target).read_bytes()[-1500:].decode(errors="replace")
            except OSError:
                continue
            if tail.strip():
                lines.append(f"    --- tail of {target} ---\n" + "\n".join("    " + x for x in tail.splitlines()))
    return "\n".join(lines)


def kill_pids(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------------------------------------------
# Results


@dataclass
class RunResult:
    args: list
    cwd: Path
    rc: int
    stdout: str
    stderr: str
    report: dict | None
    seconds: float
    survivors: list = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def describe(self) -> str:
        return (
            f"command: {' '.join(map(str, self.args))}\n(cwd {self.cwd})\nexit code: {self.rc}\n"
            f"--- stdout ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-4000:]}"
        )

    @property
    def tests(self) -> list:
        assert self.report is not None, "no JSON report was written\n" + self.describe()
        return self.report["tests"]

    def outcome_map(self) -> dict:
        ids = [t["node_id"] for t in self.tests]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        assert not duplicates, f"tests reported more than once: {duplicates}\n" + self.describe()
        return {t["node_id"]: t["outcome"] for t in self.tests}


@dataclass
class PytestResult:
    args: list
    cwd: Path
    rc: int
    stdout: str
    stderr: str
    collected: list
    outcomes: dict

    @property
    def output(self) -> str:
        return self.stdout + "\n" + self.stderr

    def describe(self) -> str:
        return (
            f"command: {' '.join(map(str, self.args))}\n(cwd {self.cwd})\nexit code: {self.rc}\n"
            f"--- stdout ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-4000:]}"
        )

    def outcome_map(self) -> dict:
        """{node ID: outcome} for every collected test; "not_run" for one that never got an outcome."""
        return {nodeid: self.outcomes.get(nodeid) or "not_run" for nodeid in self.collected}


class JackdProcess:
    """A started `jackd run`; stdout and stderr go to files, so nothing blocks while a test waits."""

    def __init__(self, argv, cwd: Path, env: dict, workdir: Path, report_path: Path | None):
        self.argv = argv
        self.cwd = cwd
        self.marker = env["E2E_RUN_MARKER"]
        self.report_path = report_path
        self._stdout_path = workdir / "stdout.txt"
        self._stderr_path = workdir / "stderr.txt"
        self.started = time.monotonic()
        with open(self._stdout_path, "wb") as out, open(self._stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self, path: Path) -> str:
        return path.read_bytes().decode("utf-8", errors="replace") if path.exists() else ""

    def output_so_far(self) -> str:
        return self._read(self._stdout_path) + "\n" + self._read(self._stderr_path)

    def wait(self, timeout: float = RUN_TIMEOUT, check_survivors: bool = True) -> RunResult:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            leftovers = processes_with_marker(self.marker)
            self.kill_everything()
            pytest.fail(
                f"jackd did not finish within {timeout}s (a hang)\ncommand: {' '.join(self.argv)}\n"
                f"processes of the run:\n{describe_pids(leftovers)}\n--- output so far ---\n"
                f"{self.output_so_far()[-6000:]}",
                pytrace=False,
            )
        seconds = time.monotonic() - self.started
        survivors = []
        if check_survivors:
            wait_until(lambda: not processes_with_marker(self.marker), SURVIVOR_GRACE)
            survivors = processes_with_marker(self.marker)
        report = None
        if self.report_path is not None and self.report_path.exists():
            text = self.report_path.read_text(encoding="utf-8")
            try:
                report = json.loads(text)
            except json.JSONDecodeError as e:
                pytest.fail(f"--json-report wrote invalid JSON ({e}):\n{text[:2000]}", pytrace=False)
        result = RunResult(
            args=self.argv,
            cwd=self.cwd,
            rc=rc,
            stdout=self._read(self._stdout_path),
            stderr=self._read(self._stderr_path),
            report=report,
            seconds=seconds,
            survivors=survivors,
        )
        if survivors:
            description = describe_pids(survivors)
            kill_pids(survivors)
            pytest.fail(
                f"processes of the run outlived it by more than {SURVIVOR_GRACE}s:\n{description}\n"
                + result.describe(),
                pytrace=False,
            )
        return result

    def kill_everything(self) -> None:
        """Clean up after a failed test: the engine's group, then anything else carrying the marker."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        kill_pids(processes_with_marker(self.marker))
        self.proc.wait(timeout=30)


# ---------------------------------------------------------------------------------------------------
# Reading pytest-style terminal output (shared by the test modules)

_SEPARATOR = re.compile(r"^=+ (.*?) =+$")
_TIMING = re.compile(r" in \d+(\.\d+)?s( \(\d+:\d\d:\d\d(\.\d+)?\))?")
_COUNT = re.compile(r"(\d+) (failed|passed|skipped|deselected|xfailed|xpassed|warnings?|errors?|rerun|flaky|crashed|timeout)\b")


def final_line(stdout: str) -> str | None:
    """pytest's closing summary ("1 failed, 2 passed in 0.12s") without '=' decoration, or None."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line:
            continue
        inner = _SEPARATOR.match(line)
        text = inner.group(1) if inner else line
        if _TIMING.search(text):
            return text
    return None


def without_timing(line: str) -> str:
    return _TIMING.sub("", line)


def summary_counts(line: str) -> dict:
    """{"failed": 1, "passed": 2, "error": 1, "warnings": 3, ...} from a final line."""
    counts = {}
    for number, word in _COUNT.findall(line):
        key = {"errors": "error", "warning": "warnings"}.get(word, word)
        counts[key] = int(number)
    return counts


def section(stdout: str, title: str) -> str | None:
    """The text of the '=== title ===' section up to the next '=' separator, or None when absent."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        match = _SEPARATOR.match(line.strip())
        if match and match.group(1).strip() == title:
            body = []
            for following in lines[i + 1 :]:
                if _SEPARATOR.match(following.strip()):
                    break
                body.append(following)
            return "\n".join(body)
    return None


_SUBSECTION = re.compile(r"^_{2,} (.+?) _{2,}$")
_FRAME_SEPARATOR = re.compile(r"^(_ )+_?$")
# pytest-xdist opens each failure with "[gw0] linux -- Python 3.11.7 /path/python"; allowed, not required.
_WORKER_PLATFORM = re.compile(r"^\[gw\d+\] \S+ -- Python ")
# Object reprs ("<Foo object at 0x7f...>") differ between any two processes.
_ADDRESS = re.compile(r"\b0x[0-9a-f]{6,}\b")


def subsections(text: str) -> dict:
    """{title: normalized body} for the '____ title ____' parts of a FAILURES or ERRORS section."""
    parts: dict = {}
    title = None
    for line in text.splitlines():
        match = _SUBSECTION.match(line.strip())
        if match:
            title = match.group(1)
            parts[title] = []
            continue
        if title is None:
            continue
        if not parts[title] and _WORKER_PLATFORM.match(line):
            continue
        if _FRAME_SEPARATOR.match(line.strip()):
            line = "_ _ _"
        line = _ADDRESS.sub("0x?", line)
        parts[title].append(line.rstrip())
    return {key: "\n".join(value).strip("\n") for key, value in parts.items()}


def short_summary(stdout: str) -> list:
    """The lines of the short test summary (without -q's undecorated closing line)."""
    text = section(stdout, "short test summary info")
    if text is None:
        return []
    closing = final_line(stdout)
    return [line.rstrip() for line in text.splitlines() if line.strip() and line.strip() != closing]


def is_worker_platform_line(line: str) -> bool:
    """pytest-xdist's "[gw0] linux -- Python 3.11.7 /path/python" line, which jackd may print too."""
    return bool(_WORKER_PLATFORM.match(line))


def collected_count(stdout: str) -> int | None:
    match = re.search(r"^collected (\d+) items?", stdout, re.MULTILINE)
    return int(match.group(1)) if match else None


_ENGINE_NOISE = (
    "terminate called",
    "what():",
    "std::",
    "Segmentation fault",
    "core dumped",
    "Aborted",
    "AddressSanitizer",
    "Check failed",
)


def assert_no_engine_noise(result, allow_user_traceback: bool = False) -> None:
    """No C++ exception text and no Python traceback from jackd's own code (engine or shim).

    With allow_user_traceback, tracebacks may appear (the user's broken conftest is shown), but none
    may run through jackd_shim or the engine's bootstrap.
    """
    output = result.output
    for noise in _ENGINE_NOISE:
        assert noise not in output, f"engine noise {noise!r} in the output\n" + result.describe()
    if not allow_user_traceback:
        assert "Traceback (most recent call last)" not in output, "a traceback in the output\n" + result.describe()
    for line in output.splitlines():
        if line.lstrip().startswith("File \"") or re.match(r"^\s*\S+\.py:\d+: in ", line):
            assert "jackd_shim" not in line and "<string>" not in line, (
                f"a traceback frame from jackd itself: {line!r}\n" + result.describe()
            )


def jackd_error_lines(result) -> list:
    return [line for line in result.stderr.splitlines() if line.startswith("jackd: error:")]


def assert_one_line_error(result, *mentions: str) -> str:
    """Exactly one `jackd: error: <what> (<hint>)` line on stderr, mentioning each of `mentions`."""
    lines = jackd_error_lines(result)
    assert len(lines) == 1, f"expected one 'jackd: error:' line on stderr, got {lines}\n" + result.describe()
    line = lines[0]
    assert re.match(r"^jackd: error: .+\(.+\)\s*$", line), (
        f"the error line has no '(<hint>)': {line!r}\n" + result.describe()
    )
    for mention in mentions:
        assert mention in line, f"the error line does not mention {mention!r}: {line!r}\n" + result.describe()
    return line


def check_report_shape(result) -> None:
    """The --json-report version 1 schema, and that it agrees with the exit code and with itself."""
    report = result.report
    assert report is not None, "no JSON report was written\n" + result.describe()
    assert report.get("schema") == "jackd.report", report.get("schema")
    assert report.get("version") == 1, report.get("version")
    assert report.get("exit_code") == result.rc, (report.get("exit_code"), result.rc)
    assert isinstance(report.get("workers"), int) and not isinstance(report["workers"], bool)
    assert isinstance(report.get("duration"), (int, float)) and report["duration"] >= 0
    assert isinstance(report.get("summary"), dict) and isinstance(report.get("tests"), list)
    counted: dict = {}
    for test in report["tests"]:
        assert isinstance(test.get("node_id"), str) and test["node_id"], test
        assert test.get("outcome") in OUTCOMES, test
        counted[test["outcome"]] = counted.get(test["outcome"], 0) + 1
        for key in ("duration", "setup", "call", "teardown"):
            assert isinstance(test.get(key), (int, float)) and test[key] >= 0, (key, test)
        if test["outcome"] != "not_run":
            assert re.fullmatch(r"gw\d+", str(test.get("worker"))), test
    # Only outcome keys are compared: the spec leaves room for others (a total, deselected, ...).
    summary = {key: value for key, value in report["summary"].items() if key in OUTCOMES and value}
    assert summary == counted, f"summary {report['summary']} disagrees with the tests list {counted}"


# ---------------------------------------------------------------------------------------------------
# Events that fixture projects record (one JSON object per line, appended by the tests themselves)


def read_events(path: Path, kind: str | None = None) -> list:
    """The JSON-lines events a fixture project wrote to `path` (none when it does not exist), optionally
    only those whose "kind" is `kind`."""
    if not Path(path).exists():
        return []
    events = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [e for e in events if kind is None or e.get("kind") == kind]


def max_overlap(intervals) -> int:
    """The largest number of (start, end) intervals that hold one instant (touching ends do not overlap)."""
    points = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals],
                    key=lambda point: (point[0], point[1]))
    running = most = 0
    for _, step in points:
        running += step
        most = max(most, running)
    return most


def subtests_project(project, directory: Path, pytest_version: tuple, files: dict) -> Path:
    """A fresh project of `files` ({name: text}, with an empty pytest.ini) for a test of subtests, which are
    built into pytest from 9.0: under an older pytest the calling test is skipped."""
    if pytest_version < (9, 0):
        pytest.skip(f"subtests are built into pytest 9, not {pytest_version}")
    directory.mkdir()
    (directory / "pytest.ini").write_text("[pytest]\n")
    for name, text in files.items():
        (directory / name).write_text(text)
    return project(directory)
