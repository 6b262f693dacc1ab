"""One assertion rewrite per module per run, shared by the run's workers.

pytest rewrites the asserts of every test module, conftest and setuptools plugin it imports, and caches
the result as a pyc in the module's `__pycache__`. Where it cannot write one (PYTHONDONTWRITEBYTECODE, a
read-only tree), every process rewrites every module again: with eight workers, the conftests and
plugins (pytest-cov, pytest-benchmark, ...) were rewritten eight times per run, 0.1 s of CPU per worker
with this repository's development plugins alone, and the test files of a split collection once more in
each worker that was handed tests of a file it had not collected.

The engine gives its local workers (and its collection process) a private directory of the run,
JACKD_REWRITE_CACHE; `jackd worker` gives the workers of a remote host one of its own.
`install_from_environ` wraps pytest's `_rewrite_test`, which pytest calls only when it found no usable
pyc of its own: the first process to need a module rewrites it under a lock (`flock`, so a process that
dies frees it) and stores the code there; the others load it. The directory goes with the run, so nothing
is written into the user's tree and the next run starts cold again, as pytest would.

The cached code is the same as pytest's: it is keyed by the module's bytes and path, the interpreter's
bytecode magic, the pytest release and the one setting that changes the rewrite
(`enable_assertion_pass_hook`). Anything unexpected (another pytest internals' shape, an unreadable file,
a full disk) falls back to pytest's own rewrite. tests/shim/test_rewrite_cache.py passes with pytest 9.2
(CI) and, run by hand with --noconftest, with pytest 7.4 and 8.3.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import inspect
import marshal
import os
import types
from pathlib import Path
from typing import Any, Callable

CACHE_ENV = "JACKD_REWRITE_CACHE"

RewriteTest = Callable[[Path, Any], tuple[Any, types.CodeType]]


def install_from_environ() -> bool:
    """Share rewrites through the directory in JACKD_REWRITE_CACHE, if set. True when installed."""
    directory = os.environ.get(CACHE_ENV)
    if not directory:
        return False
    try:
        from _pytest.assertion import rewrite
    except ImportError:
        return False
    import pytest

    original = getattr(rewrite, "_rewrite_test", None)
    fingerprint = _fingerprint_function(getattr(rewrite, "_write_pyc", None))
    if original is None or fingerprint is None:
        return False  # a pytest whose internals differ from 7.0-9.x: it rewrites on its own
    shared = shared_rewrite(original, Path(directory), fingerprint, pytest.__version__)
    # A private function of pytest, replaced on purpose; its exact signature differs between releases.
    rewrite._rewrite_test = shared  # type: ignore[assignment]
    return True


def _fingerprint_function(write_pyc: Any) -> Callable[[Path, bytes], Any] | None:
    """What pytest's `_rewrite_test` returns besides the code, made for a module served from the cache.

    pytest 9 validates its pycs by a hash of the source, pytest 7 and 8 by the source's stat result; the
    name of `_write_pyc`'s parameter tells which.
    """
    try:
        parameters = inspect.signature(write_pyc).parameters
    except (TypeError, ValueError):
        return None
    if "source_hash" in parameters:
        return lambda path, source: importlib.util.source_hash(source)
    if "source_stat" in parameters:
        return lambda path, source: os.stat(path)
    return None


def shared_rewrite(original: RewriteTest, directory: Path, fingerprint: Callable[[Path, bytes], Any],
                   pytest_version: str) -> RewriteTest:
    """`original` (pytest's `_rewrite_test(path, config)`), computed once per module for all processes
    that share `directory`."""

    def rewrite_test(path: Path, config: Any) -> tuple[Any, types.CodeType]:
        # Kept out of the tracebacks pytest shows (a test module's SyntaxError is raised through here).
        __tracebackhide__ = True
        try:
            source = Path(path).read_bytes()
            entry = directory / _key(path, source, config, pytest_version)
        except (OSError, ValueError):  # unreadable; or an assertion plugin without its ini setting
            return original(path, config)
        code = _load(entry)
        if code is None:
            try:
                directory.mkdir(parents=True, exist_ok=True)
                lock = os.open(f"{entry}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                return original(path, config)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX)
                code = _load(entry)  # another process may have rewritten it while this one waited
                if code is None:
                    result = original(path, config)
                    if _unchanged(path, source):  # else pytest compiled other bytes than the key names
                        _store(entry, result[1])
                    return result
            finally:
                os.close(lock)  # also releases the flock
        return fingerprint(path, source), code

    return rewrite_test


def _key(path: Path, source: bytes, config: Any, pytest_version: str) -> str:
    pass_hook = bool(config.getini("enable_assertion_pass_hook")) if config is not None else False
    digest = hashlib.sha256()
    for part in (importlib.util.MAGIC_NUMBER, pytest_version.encode(), b"1" if pass_hook else b"0",
                 os.fsencode(str(path))):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    digest.update(source)
    return digest.hexdigest()


def _load(entry: Path) -> types.CodeType | None:
    try:
        code = marshal.loads(entry.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def _store(entry: Path, code: types.CodeType) -> None:
    temporary = f"{entry}.{os.getpid()}"
    try:
        with open(temporary, "wb") as stream:
            stream.write(marshal.dumps(code))
        os.replace(temporary, entry)  # readers see a complete entry or none
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _unchanged(path: Path, source: bytes) -> bool:
    try:
        return Path(path).read_bytes() == source
    except OSError:
        return False
