"""The coverage settings the engine hands to workers and to the combine step, and the per-worker data files.

The engine (engine/coverage.cc) resolves jackd's `--cov*` options and pytest-cov's parsed ones into one
JSON object, given to every worker as JACKD_COVERAGE and to `python -m jackd_shim coverage` as a file:

    {"source": ["pkg"] | null,         # null: no source filter (a bare --cov) or the config's [run] source
     "branch": true | null,            # null: as the coverage configuration says
     "config_file": "path" | true,     # true: coverage.py looks for .coveragerc, setup.cfg, tox.ini, pyproject
     "data_dir": "/tmp/jackd-x/cov",   # where worker data files go; "": beside the configured data_file
     "tag": "jackd-0123abcd",          # names this run's worker data files
     "reports": ["term", "xml:c.xml"], # pytest-cov's --cov-report values; [] for none
     "fail_under": 90.0 | null,        # null: the configuration's [report] fail_under
     "keep_worker_data": false}

This module imports neither pytest nor coverage at import time: the worker starts measuring before either
the suite or pytest is imported.
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass, field
from typing import Any

ENVIRONMENT = "JACKD_COVERAGE"

# SQLite leaves these beside a data file whose writer was killed mid-transaction; they are not data files.
_SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


@dataclass(frozen=True)
class CoverageSettings:
    source: list[str] | None = None
    branch: bool | None = None
    config_file: str | bool = True
    data_dir: str = ""
    tag: str = "jackd"
    reports: list[str] = field(default_factory=list)
    fail_under: float | None = None
    keep_worker_data: bool = False

    @classmethod
    def from_json(cls, text: str) -> CoverageSettings:
        raw: dict[str, Any] = json.loads(text)
        return cls(
            source=raw.get("source"),
            branch=raw.get("branch"),
            config_file=raw.get("config_file", True),
            data_dir=raw.get("data_dir") or "",
            tag=raw.get("tag") or "jackd",
            reports=list(raw.get("reports") or []),
            fail_under=raw.get("fail_under"),
            keep_worker_data=bool(raw.get("keep_worker_data", False)),
        )

    def make_coverage(self, **kwargs: Any) -> Any:
        """A coverage.Coverage with these settings, as pytest-cov makes its own: source, branch and the
        configuration file given; everything else from the configuration file."""
        import coverage

        return coverage.Coverage(source=self.source, branch=self.branch, config_file=self.config_file, **kwargs)

    def worker_directory(self, configured_data_file: str) -> str:
        return self.data_dir or os.path.dirname(os.path.abspath(configured_data_file))

    def worker_suffix(self, worker_id: str, pid: int) -> str:
        # coverage.py's parallel naming, "<data_file>.<suffix>", so `coverage combine` also finds kept files.
        return f"{self.tag}.{worker_id or 'gw'}.{pid}"

    def worker_data_files(self, configured_data_file: str) -> list[str]:
        """This run's worker data files, sorted."""
        prefix = os.path.join(self.worker_directory(configured_data_file),
                              os.path.basename(configured_data_file))
        pattern = glob.escape(f"{prefix}.{self.tag}.") + "*"
        return sorted(path for path in glob.glob(pattern) if not path.endswith(_SQLITE_SIDE_FILES))
