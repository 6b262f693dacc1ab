import os


def test_everywhere():
    pass


if os.environ.get("E2E_MISMATCH") == "1" and not os.environ.get("PYTEST_XDIST_WORKER"):
    # Collected by jackd's collection process, never by a worker.
    def test_only_outside_workers():
        pass
