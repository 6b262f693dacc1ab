"""The real projects bench_real_suites.py times, pinned, and the venvs they are installed into.

Each project's source distribution is unpacked into the work directory and installed, with its test
dependencies, into a venv made there with the same pytest, pytest-xdist, grpcio and protobuf as .venv
(and jackd's shim through a .pth file). Projects share a venv unless their dependencies would change
each other's suites: networkx's conftest runs more tests when pandas is importable, and sqlglot's
suite needs pandas, so the numeric projects get a venv each.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import benchlib as b


@dataclass(frozen=True)
class Project:
    name: str
    requirement: str  # the pinned source distribution on PyPI
    tests: tuple[str, ...]  # what pytest is given, in the unpacked sdist (its working directory)
    test_dependencies: tuple[str, ...] = ()
    options: tuple[str, ...] = ()  # pytest options every contender gets
    venv: str = "venv"  # the work directory's venv it goes into
    # Installed editable, so that every runner imports the unpacked sources (whose bytecode cold runs
    # remove) rather than a copy pip compiled into site-packages; needed where the tests live inside
    # the package and are found through it (--pyargs).
    editable: bool = False


# Test dependencies as each project's own test requirements name them (tools left out), pinned.
PROJECTS = (
    Project("attrs", "attrs==26.1.0", ("tests",), ("hypothesis==6.170.17", "pympler==1.1", "cloudpickle==3.1.2")),
    Project("click", "click==8.5.1", ("tests",)),
    Project("jinja2", "jinja2==3.1.6", ("tests",), ("trio==0.35.0",)),
    Project("more-itertools", "more-itertools==11.2.1", ("tests",)),
    Project("packaging", "packaging==26.4", ("tests",),
            ("hypothesis==6.170.17", "pretend==1.0.9", "tomli_w==1.2.0", "coverage==7.17.3")),
    # CPU-bound suites of issue 25. Scientific: graphs on numpy and scipy (whose OpenBLAS starts a
    # thread pool per process), without pandas, matplotlib and the other optional packages.
    Project("networkx", "networkx==3.4.2", ("--pyargs", "networkx"), ("numpy==2.4.6", "scipy==1.17.1"),
            venv="venv-networkx", editable=True),
    # Parsing: a SQL parser's unittest classes, 23,000 subtests, two tests of about a minute each
    # (an executor checked against duckdb, which has a thread pool of its own, and a parser limit).
    Project("sqlglot", "sqlglot==30.31.0", ("tests",),
            ("duckdb==2.0.1", "pandas==3.1.2", "pytz==2026.6", "python-dateutil==4.0.0"),
            venv="venv-sqlglot", editable=True),
    # Symbolic: sympy's core (its whole suite runs for most of an hour serially); sympy 1.14 needs
    # mpmath < 1.4, and its conftest requires hypothesis.
    Project("sympy-core", "sympy==1.14.0", ("sympy/core",), ("mpmath==1.3.0", "hypothesis==6.170.17"),
            venv="venv-sympy", editable=True),
)

# The same releases of the tools as the project's own environment (requirements-dev.txt).
TOOLS = ("pytest==9.2.0", "pytest-xdist==3.8.0", "grpcio==1.85.3", "protobuf==7.36.2")


def pip(python: Path, *args: str) -> None:
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
                          check=False, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        sys.exit(f"bench: pip install {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def make_venv(venv: Path, base_python: str) -> Path:
    """The venv's python; the venv is made, with the tools and the shim, the first time."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"bench: making {venv}", file=sys.stderr)
        interpreter = b.tool_output([base_python, "-c", "import sys; print(sys._base_executable)"])
        subprocess.run([interpreter, "-m", "venv", str(venv)], check=True, timeout=300)
        pip(python, *TOOLS)
        site = b.tool_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        (Path(site) / "jackd_shim_checkout.pth").write_text(f"{b.ROOT / 'worker_shim'}\n")
    return python


def unpack(workdir: Path, project: Project, python: Path) -> Path:
    """The project's sdist, downloaded and unpacked as workdir/<name>."""
    print(f"bench: fetching {project.requirement}", file=sys.stderr)
    downloads = workdir / "sdists"
    subprocess.run([str(python), "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                    "--no-binary", ":all:", "-d", str(downloads), project.requirement],
                   check=True, timeout=600, capture_output=True)
    name, version = project.requirement.split("==")
    stem = f"{name.replace('-', '_')}-{version}".lower()
    archive = next(p for p in downloads.iterdir() if p.name.lower().startswith(stem))
    source = workdir / project.name
    shutil.rmtree(source, ignore_errors=True)
    unpacked = workdir / "unpacked" / project.name
    shutil.rmtree(unpacked, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    (unpacked / archive.name.removesuffix(".tar.gz")).rename(source)
    return source


def prepare(workdir: Path, base_python: str, projects: tuple[Project, ...]) -> dict[str, tuple[Path, Path]]:
    """Each project's python and unpacked sdist, installed (once: later runs reuse the work directory)."""
    prepared = {}
    for project in projects:
        python = make_venv(workdir / project.venv, base_python)
        marker = workdir / f"{project.name}.installed"
        source = workdir / project.name
        if not marker.exists():
            source = unpack(workdir, project, python)
            pip(python, *(("-e",) if project.editable else ()), str(source), *project.test_dependencies)
            marker.write_text(project.requirement)
        prepared[project.name] = (python, source)
    return prepared
