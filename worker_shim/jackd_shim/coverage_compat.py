"""pytest-cov inside jackd's processes: parsed, never measuring.

jackd measures coverage itself (jackd_shim.coverage_worker in each worker, one combine in the engine), so
pytest-cov must not start a measurement of its own in the collect process or in a worker: each would
write a data file and a report of its own share of the run. It stays installed and loaded, though, so a
project whose `addopts` contains `--cov=pkg` keeps parsing, and its `no_cover` mark and `cov` fixture
still exist. The collect plugin reports pytest-cov's parsed options to the engine, which honours them as
if they had been given to jackd.
"""

from __future__ import annotations

import pytest

from jackd_shim import jackd_pb2


def silence_pytest_cov(early_config: pytest.Config) -> None:
    """Keep pytest-cov from starting its measurement; a no-op when pytest-cov is not installed.

    Called from a pytest_load_initial_conftests hookwrapper, i.e. before pytest-cov's own (tryfirst)
    implementation, which starts coverage only when the early-parsed `--cov` list is not empty. Only that
    early namespace is emptied: `config.option` is parsed again later and keeps the user's values.
    """
    namespace = early_config.known_args_namespace
    if getattr(namespace, "cov_source", None):
        namespace.cov_source = []


def read_pytest_cov_options(config: pytest.Config) -> jackd_pb2.PytestCovOptions | None:
    """pytest-cov's parsed options, or None when pytest-cov is not installed (its options do not exist)."""
    option = config.option
    if not hasattr(option, "cov_source"):
        return None
    sources = ["" if source is True else str(source) for source in (option.cov_source or [])]
    reports = []
    for kind, target in dict(getattr(option, "cov_report", None) or {}).items():
        reports.append(kind if target is None else f"{kind}:{target}")
    options = jackd_pb2.PytestCovOptions(
        sources=sources,
        reports=reports,
        config=str(getattr(option, "cov_config", "") or ""),
        branch=bool(getattr(option, "cov_branch", False)),
        no_cov=bool(getattr(option, "no_cov", False)),
    )
    fail_under = getattr(option, "cov_fail_under", None)
    if fail_under is not None:
        options.fail_under = float(fail_under)
    return options
