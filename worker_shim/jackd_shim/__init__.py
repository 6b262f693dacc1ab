"""jackd's worker shim: the Python side of the jackd test engine.

The engine starts the shim (see docs/engine-shim-contract.md) in one of two modes, ``collect`` and
``worker``, each of which runs pytest in-process with one of this package's plugins loaded by ``-p``.
Importing this package has no side effects and registers nothing with pytest.
"""

__version__ = "0.1.0"
