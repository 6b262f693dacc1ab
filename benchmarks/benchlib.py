"""What the benchmark scripts share: finding the tools, timing runs, checking them, printing tables.

Every script generates its own suite in a temp directory, times each contender (a command line run in
that directory) --repeat times, interleaved in a rotating order so slow drift of the machine spreads
over all contenders, and reports the median. Two conditions ("modes"):

  cold  PYTHONDONTWRITEBYTECODE=1 (as on the machines these numbers are for) and every __pycache__ of
        the suite removed before each run, so every run compiles and assertion-rewrites the tests again,
        and so are pytest's rewrites of the environment's plugins (see remove_bytecode);
  warm  bytecode allowed, after one untimed run of each contender, so every cache is filled.

A run counts only if it exits as expected and its summary line has the expected counts ("5000
passed"); otherwise its contender is flagged and the script exits 1. Targets (issue 6) are printed as
PASS or MISS and never change the exit code: a benchmark reports, it does not gate.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import os
import platform
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("cold", "warm")

# Variables that would change what pytest does if they leaked in from the caller's environment.
SCRUBBED_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_XDIST_AUTO_NUM_WORKERS", "PYTHONDONTWRITEBYTECODE",
                "JACKD_WORKERS", "PYTHONUNBUFFERED")

# A load average above this (1-minute, on the benchmark machine's 2 cores) means something else is
# running; the numbers are then printed anyway, with a warning.
BUSY_LOAD = 0.5

# pytest's ini for every generated suite: no cache plugin, so no run leaves state for the next one.
PYTEST_INI = "[pytest]\naddopts = -p no:cacheprovider\n"

# A progress line of pytest -q (and of jackd, which prints the same): result letters from column 0.
PROGRESS_LINE = re.compile(r"(?m)^[.FEsxX]+(?:[ \t\r\n]|$)")
SUMMARY_COUNT = re.compile(
    r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|crashed|timeout|not run|tests? collected)\b")


# ------------------------------------------------------------------------------------------------
# Command line and tools


def add_common_args(parser: argparse.ArgumentParser, workers: int | None = None) -> None:
    """The options every script takes, so run_all.sh can pass the same ones to each."""
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per contender and mode; median (default 3)")
    parser.add_argument("--quick", action="store_true", help="a smaller suite and 1 repeat: a smoke run")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--cold", dest="modes", action="store_const", const=["cold"], help="cold runs only")
    which.add_argument("--warm", dest="modes", action="store_const", const=["warm"], help="warm runs only")
    which.add_argument("--both", dest="modes", action="store_const", const=list(MODES),
                       help="cold and warm runs (the default)")
    parser.set_defaults(modes=list(MODES))
    if workers is not None:
        parser.add_argument("-n", "--workers", type=int, default=workers,
                            help=f"workers for xdist and jackd (default {workers})")
    parser.add_argument("--jackd", default=str(ROOT / "build" / "jackd"), help="jackd binary (default build/jackd)")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"),
                        help="Python with pytest and pytest-xdist; jackd's workers use it too (default .venv/bin/python)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before one run counts as hung")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--keep", action="store_true", help="keep the generated suite and print where it is")


def finish_args(args: argparse.Namespace) -> argparse.Namespace:
    """--quick means one repeat; paths become absolute, since every run has the suite as its cwd."""
    if args.quick:
        args.repeat = 1
    python = Path(args.python)
    if not python.exists():
        print(f"bench: {python} not found (run ./dev setup); using {sys.executable}", file=sys.stderr)
        python = Path(sys.executable)
    args.python = str(python.absolute())  # not resolved: a venv's python must keep its venv path
    use_site_directories(args.python)
    args.jackd = str(Path(args.jackd).absolute())
    return args


def use_site_directories(python: str) -> None:
    """Cold runs remove pytest's plugin rewrites from the site-packages of this Python (remove_bytecode)."""
    sites = tool_output([python, "-c", "import sysconfig; p = sysconfig.get_paths(); "
                                       "print(p['purelib']); print(p['platlib'])"])
    _site_directories[:] = sorted({Path(line) for line in sites.splitlines() if Path(line).is_dir()})


def jackd_available(jackd: str) -> bool:
    if os.access(jackd, os.X_OK):
        return True
    print(f"bench: {jackd} does not exist yet (./dev build makes it); its rows read 'pending'", file=sys.stderr)
    return False


def pytest_argv(python: str, *extra: str) -> list[str]:
    return [python, "-m", "pytest", "-q", *extra]


def jackd_argv(jackd: str, python: str, workers: int, *extra: str) -> list[str]:
    return [jackd, "run", "--python", python, "-n", str(workers), "-q", *extra]


# ------------------------------------------------------------------------------------------------
# Suites


def make_suite_dir() -> Path:
    suite = Path(tempfile.mkdtemp(prefix="jackd-bench-"))
    (suite / "pytest.ini").write_text(PYTEST_INI)
    return suite


def spread(total: int, parts: int) -> list[int]:
    """total split over parts as evenly as possible, the larger parts first."""
    each, extra = divmod(total, parts)
    return [each + (1 if i < extra else 0) for i in range(parts)]


# The site-packages directories of the --python environment (set by finish_args, use_site_directories).
_site_directories: list[Path] = []


def remove_bytecode(directory: Path) -> None:
    """Cold: no bytecode of the suite, and none of pytest's rewrites of its plugins.

    pytest also rewrites the setuptools plugins it loads (pytest-xdist, pytest-cov, ...) and keeps each
    rewrite beside the plugin as `*-pytest-<version>.pyc` when it may write; it reads them back even under
    PYTHONDONTWRITEBYTECODE. One warm run would otherwise leave every later cold run with its plugins
    already rewritten, which a fresh CI machine never has. pip never writes such files.
    """
    for cache in directory.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    for site in _site_directories:
        for rewritten in site.rglob("__pycache__/*-pytest-*.pyc"):
            rewritten.unlink(missing_ok=True)


def remove_suite(suite: Path, keep: bool) -> None:
    if keep:
        print(f"bench: suite kept in {suite}")
    else:
        shutil.rmtree(suite, ignore_errors=True)


# ------------------------------------------------------------------------------------------------
# Running one command


@dataclass
class Outcome:
    """One run: wall seconds, seconds until the first progress line (None: never), exit code, output."""

    elapsed: float
    first_progress: float | None
    returncode: int | None
    output: str


def environment(mode: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    if mode == "cold":
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def run_command(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Outcome:
    """Runs argv, reading its output (stdout and stderr together) as it comes.

    Reading through a pipe as the bytes arrive lets the same run give both its wall time and when its
    first progress line appeared (the time to first result). Both clocks start just before the spawn.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)
    chunks: list[bytes] = []
    first_progress = None
    deadline = start + timeout
    fd = proc.stdout.fileno()
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            proc.kill()
            proc.wait()
            proc.stdout.close()
            return Outcome(time.perf_counter() - start, first_progress, None, b"".join(chunks).decode(errors="replace"))
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        now = time.perf_counter()
        if not chunk:
            break
        chunks.append(chunk)
        if first_progress is None and PROGRESS_LINE.search(b"".join(chunks).decode(errors="replace")):
            first_progress = now - start
    proc.stdout.close()
    returncode = proc.wait()
    return Outcome(time.perf_counter() - start, first_progress, returncode, b"".join(chunks).decode(errors="replace"))


def summary_counts(output: str) -> tuple[dict[str, int], str]:
    """The counts on the last summary line of output ({"passed": 5000}), and that line."""
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)
    for line in reversed(output.splitlines()):
        found = SUMMARY_COUNT.findall(line)
        if found:
            counts = {}
            for number, word in found:
                word = "collected" if "collected" in word else ("error" if word.startswith("error") else word)
                counts[word] = int(number)
            return counts, line.strip(" =")
    return {}, "(no summary line)"


# ------------------------------------------------------------------------------------------------
# Contenders and timing


@dataclass
class Contender:
    """One command line to time, what its summary must say, and what its runs measured."""

    name: str
    argv: list[str]
    expected: dict[str, int]
    returncode: int = 0
    env: dict[str, str] = field(default_factory=dict)
    # Called with (suite, mode) before each run, and with (outcome, mode) after it: state a run must
    # start from (a durations store) and what a script reads from a run besides its summary (reports).
    before_run: Callable[[Path, str], None] | None = None
    after_run: Callable[[Outcome, str], None] | None = None
    times: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MODES})
    first: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MODES})
    problems: list[str] = field(default_factory=list)

    def median(self, mode: str) -> float | None:
        return statistics.median(self.times[mode]) if self.times[mode] else None

    def median_first(self, mode: str) -> float | None:
        return statistics.median(self.first[mode]) if self.first[mode] else None


def run_contender(contender: Contender, suite: Path, mode: str, timeout: float) -> Outcome:
    """One run of contender; a wrong exit code or summary is recorded as a problem (once per kind)."""
    if contender.before_run is not None:
        contender.before_run(suite, mode)
    if mode == "cold":
        remove_bytecode(suite)
    outcome = run_command(contender.argv, suite, environment(mode, contender.env), timeout)
    if contender.after_run is not None:
        contender.after_run(outcome, mode)
    if outcome.returncode is None:
        problem = f"{mode}: timed out after {timeout:.0f} s"
    else:
        counts, line = summary_counts(outcome.output)
        # Failures only where the contender expects none (a real project's suite may fail a test in any runner).
        bad = {k: v for k, v in counts.items()
               if k in ("failed", "error", "crashed", "timeout", "not run") and contender.expected.get(k) != v}
        wrong = any(counts.get(k) != v for k, v in contender.expected.items())
        if outcome.returncode == contender.returncode and not wrong and not bad:
            return outcome
        want = ", ".join(f"{v} {k}" for k, v in contender.expected.items())
        problem = f"{mode}: exit {outcome.returncode}, summary {line!r} (want exit {contender.returncode}, {want})"
    if problem not in contender.problems:
        contender.problems.append(problem)
        tail = "\n".join("      " + line for line in outcome.output.splitlines()[-15:])
        print(f"  ! {contender.name}: {problem}\n{tail}", file=sys.stderr)
    return outcome


def time_contenders(contenders: list[Contender], suite: Path, modes: list[str], repeat: int, timeout: float) -> None:
    """Times each contender repeat times per mode, in a rotating order; warm mode first primes caches."""
    for mode in modes:
        if mode == "warm":
            print("bench: warm-up runs (untimed)", file=sys.stderr)
            for c in contenders:
                run_contender(c, suite, "warm", timeout)
        for r in range(repeat):
            shift = r % len(contenders)
            for c in contenders[shift:] + contenders[:shift]:
                outcome = run_contender(c, suite, mode, timeout)
                c.times[mode].append(outcome.elapsed)
                if outcome.first_progress is not None:
                    c.first[mode].append(outcome.first_progress)
                print(f"bench: {mode} run {r + 1}/{repeat}: {c.name}: {outcome.elapsed:.2f} s", file=sys.stderr)


# ------------------------------------------------------------------------------------------------
# The machine


def tool_output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine_line(python: str, jackd: str) -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = tool_output([python, "-c", (
        "import platform, pytest\n"
        "try:\n import xdist; x = xdist.__version__\n"
        "except ImportError: x = 'not installed'\n"
        "print(f'Python {platform.python_version()}, pytest {pytest.__version__}, pytest-xdist {x}')"
    )])
    # `jackd --version` prints jackd's version first, then the shim's, pytest's and Python's.
    jackd_version = (
        (tool_output([jackd, "--version"]).splitlines() or ["?"])[0] if os.access(jackd, os.X_OK) else "jackd not built"
    )
    return f"{os.cpu_count()} x {cpu}, {platform.system()} {platform.release()}; {versions}; {jackd_version}"


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def warn_if_busy(when: str) -> None:
    """Other work on the machine skews every number; say so rather than print quietly wrong ratios."""
    load = load_average()
    print(f"bench: load average {when}: {load}")
    try:
        if float(load.split()[0]) > BUSY_LOAD:
            print(f"bench: warning: the machine is busy ({when}); timings will be noisy", file=sys.stderr)
    except ValueError:
        pass


def print_header(title: str, args: argparse.Namespace) -> None:
    print(f"bench: {title}; median of {args.repeat} run(s); modes: {', '.join(args.modes)}")
    print(f"bench: machine: {machine_line(args.python, args.jackd)}")
    warn_if_busy("before")


def time_on_fresh_suite(all_contenders: list[Contender], args: argparse.Namespace, title: str,
                        generate: Callable[[Path], None]) -> None:
    """The usual benchmark: a header, a suite `generate` writes into a fresh directory, every contender
    timed on it (jackd, listed last, only when its binary is there), and the suite removed."""
    timed = all_contenders if jackd_available(args.jackd) else all_contenders[:-1]
    print_header(title, args)
    suite = make_suite_dir()
    try:
        generate(suite)
        time_contenders(timed, suite, args.modes, args.repeat, args.timeout)
    finally:
        remove_suite(suite, args.keep)


# ------------------------------------------------------------------------------------------------
# Reporting


def seconds(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "pending"


def ratio(value: float | None, baseline: float | None) -> str:
    """value as a multiple of baseline (0.50x: half the baseline's time; lower is better)."""
    if value is None or baseline is None or baseline == 0:
        return "-"
    return f"{value / baseline:.2f}x"


def check_cell(contender: Contender, modes: list[str]) -> str:
    if contender.problems:
        return "FAIL"
    return "ok" if any(contender.times[m] for m in modes) else "pending"


def render_table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([line(header), *(line(r) for r in rows)])


def print_table(header: list[str], rows: list[list[str]], markdown: bool) -> None:
    print()
    print(render_table(header, rows, markdown=False))
    if markdown:
        print()
        print(render_table(header, rows, markdown=True))


@dataclass
class Target:
    """One of issue 6's targets: measured / baseline must be at most limit."""

    what: str
    measured: float | None
    baseline: float | None
    limit: float

    def verdict(self) -> tuple[str, str]:
        if self.measured is None or self.baseline is None or self.baseline == 0:
            return "-", "n/a"
        value = self.measured / self.baseline
        return f"{value:.2f}x", ("PASS" if value <= self.limit else "MISS")


def print_targets(targets: list[Target]) -> None:
    print()
    for t in targets:
        value, verdict = t.verdict()
        print(f"target: {t.what} <= {t.limit:.2f}x: {value}  {verdict}")


def finish(contenders: list[Contender]) -> int:
    """Prints every contender's problems; 1 if any contender ran wrong (the targets do not count)."""
    warn_if_busy("after")
    failed = [c for c in contenders if c.problems]
    for c in failed:
        for problem in c.problems:
            print(f"bench: FAIL {c.name}: {problem}")
    return 1 if failed else 0
