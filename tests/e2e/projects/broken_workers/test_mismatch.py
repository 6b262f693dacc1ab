import os


def test_everywhere():
    pass


if os.environ.get("E2E_MISMATCH") == "1" and os.environ.get("PYTEST_XDIST_WORKER") != "gw1":
    # Collected by whichever process collects for the engine (worker gw0, or the collect process), never
    # by worker gw1.
    def test_not_in_gw1():
        pass
