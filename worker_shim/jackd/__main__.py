"""`python -m jackd ARGS` does what `jackd ARGS` does: it replaces itself with the installed engine."""

from __future__ import annotations

import os
import sys

from jackd import engine_path


def main() -> None:
    try:
        engine = engine_path()
    except FileNotFoundError as error:
        hint = f"reinstall it: {sys.executable} -m pip install --force-reinstall jackd"
        sys.stderr.write(f"jackd: error: {error} ({hint})\n")
        sys.exit(3)
    os.execv(engine, [engine, *sys.argv[1:]])


if __name__ == "__main__":
    main()
