"""jackd's Python entry point: `python -m jackd ARGS` runs the engine installed with this package.

The engine is a native executable that the wheel installs into the environment's scripts directory (the
venv's `bin/`), where `jackd ARGS` finds it on PATH. The worker shim is the separate package `jackd_shim`.
"""

from __future__ import annotations

import os
import sysconfig

__all__ = ["engine_path"]


def engine_path() -> str:
    """The path of the jackd engine installed beside this package.

    Looks in the scripts directory of the scheme this package was installed with: the environment's own
    (a venv, or the system) and then the user's (`pip install --user`). Never PATH, which may hold
    another jackd release. Raises FileNotFoundError when the engine is not there.
    """
    directories = [sysconfig.get_path("scripts")]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        directories.append(sysconfig.get_path("scripts", user_scheme))
    for directory in directories:
        candidate = os.path.join(directory, "jackd")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError(f"no jackd engine in {' or '.join(directories)}")
