"""Runs after test_fast and test_medium (collection order) and can be held (E2E_BLOCK_DIR)."""


def test_pause(pause_point):
    pass
