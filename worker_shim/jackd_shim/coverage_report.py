"""The shim's `coverage` mode: combine the workers' data files and write the reports, once per run.

The engine runs `python -m jackd_shim coverage SETTINGS_PATH RESULT_PATH` after every worker exited, in
the directory jackd was started in (so relative paths in the coverage configuration and in `--cov-report`
mean what they mean to pytest-cov). It uses coverage.py's own combine and report API and writes one JSON
object to RESULT_PATH:

    {"title": "coverage: platform linux, python 3.11.7-final-0",
     "report": "<the terminal tables and 'Coverage XML written to file ...' lines>",
     "total": 93.1, "verdict": "Required test coverage of 90% reached. Total coverage: 93.10%" | "",
     "below_minimum": false, "warnings": ["..."], "error": "" | "No data to report."}

The combined data lands in the configured data_file (`.coverage` by default), which is erased first, so
`coverage report` and friends work on it afterwards as after pytest-cov.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback
import warnings
from typing import Any

from jackd_shim.coverage_settings import CoverageSettings

# pytest-cov's report kinds, in the order it writes them. Terminal kinds take ":skip-covered".
TERMINAL_KINDS = ("term", "term-missing")
FILE_KINDS = ("annotate", "html", "xml", "json", "markdown", "markdown-append", "lcov")


def combine_and_report(settings_path: str, result_path: str) -> int:
    with open(settings_path, encoding="utf-8") as stream:
        settings = CoverageSettings.from_json(stream.read())
    result: dict[str, Any] = {"title": "", "report": "", "total": 0.0, "verdict": "", "below_minimum": False,
                              "warnings": [], "error": ""}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _combine_and_report(settings, result)
        except Exception as error:  # coverage.py's errors (no data, a bad config) and anything else
            result["error"] = str(error) or type(error).__name__
            traceback.print_exc()  # to the engine's log of this process, never to the user's terminal
    result["warnings"] = _distinct(str(warning.message) for warning in caught)
    _write_atomically(result_path, json.dumps(result))
    return 0


def _combine_and_report(settings: CoverageSettings, result: dict[str, Any]) -> None:
    import coverage
    from coverage.results import should_fail_under

    # No suffix, whatever `parallel` says: the combined data goes to the configured data_file itself.
    combined = settings.make_coverage(data_suffix=False)
    data_file = os.path.abspath(combined.config.data_file)
    # A fresh result, as pytest-cov erases the data file when it starts (only this file: with
    # `parallel = true`, Coverage.erase() would also delete kept worker files beside it).
    coverage.CoverageData(basename=data_file).erase()
    files = settings.worker_data_files(data_file)
    if files:
        combined.combine(data_paths=files, keep=settings.keep_worker_data)
        combined.save()

    precision = int(getattr(combined.config, "precision", 0) or 0)
    total = combined.report(ignore_errors=True, output_format="total", file=io.StringIO())
    result["total"] = total
    result["title"] = "coverage: platform {}, python {}".format(
        sys.platform, "{}.{}.{}-{}-{}".format(*sys.version_info[:5]))
    result["report"] = _write_reports(combined, _parse_reports(settings.reports))

    fail_under = settings.fail_under if settings.fail_under is not None else combined.config.fail_under
    if fail_under:
        failed = should_fail_under(total, fail_under, precision)
        result["below_minimum"] = failed
        result["verdict"] = "{}Required test coverage of {}% {}. Total coverage: {:.2f}%".format(
            "FAIL " if failed else "", _number(fail_under), "not reached" if failed else "reached", total)


def _parse_reports(values: list[str]) -> dict[str, str | None]:
    """pytest-cov's semantics: none given means `term`; `--cov-report=` alone means no report."""
    if not values:
        return {"term": None}
    reports: dict[str, str | None] = {}
    for value in values:
        kind, _, target = value.partition(":")
        if kind:
            reports[kind] = target or None
    return reports


def _write_reports(cov: Any, reports: dict[str, str | None]) -> str:
    out = io.StringIO()
    terminal = [kind for kind in TERMINAL_KINDS if kind in reports]
    if terminal:
        cov.report(ignore_errors=True, file=out, show_missing=("term-missing" in reports) or None,
                   skip_covered=any(reports[kind] == "skip-covered" for kind in terminal) or None)
    config = cov.config
    for kind in FILE_KINDS:
        if kind not in reports:
            continue
        target = reports[kind]
        if kind == "annotate":
            cov.annotate(ignore_errors=True, directory=target)
            out.write(f"Coverage annotated source written to dir {target}\n" if target
                      else "Coverage annotated source written next to source\n")
        elif kind == "html":
            cov.html_report(ignore_errors=True, directory=target)
            out.write(f"Coverage HTML written to dir {target or config.html_dir}\n")
        elif kind == "xml":
            cov.xml_report(ignore_errors=True, outfile=target)
            out.write(f"Coverage XML written to file {target or config.xml_output}\n")
        elif kind == "json":
            cov.json_report(ignore_errors=True, outfile=target)
            out.write(f"Coverage JSON written to file {target or config.json_output}\n")
        elif kind in ("markdown", "markdown-append"):
            path = target or "coverage.md"
            with open(path, "a" if kind == "markdown-append" else "w", encoding="utf-8") as stream:
                cov.report(ignore_errors=True, file=stream, output_format="markdown")
            verb = "appended to" if kind == "markdown-append" else "written to"
            out.write(f"Coverage Markdown information {verb} file {path}\n")
        elif kind == "lcov":
            cov.lcov_report(ignore_errors=True, outfile=target)
            out.write(f"Coverage LCOV written to file {target or config.lcov_output}\n")
    return out.getvalue()


def _number(value: float) -> str:
    # As pytest-cov shows --cov-fail-under: "90" for 90, "92.5" for 92.5.
    return str(int(value)) if float(value).is_integer() else str(value)


def _distinct(messages: Any) -> list[str]:
    seen: list[str] = []
    for message in messages:
        if message not in seen:
            seen.append(message)
    return seen


def _write_atomically(path: str, text: str) -> None:
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
