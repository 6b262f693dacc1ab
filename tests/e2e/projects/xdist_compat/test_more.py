import pytest


@pytest.mark.parametrize("n", range(4))
def test_more(session_data, n):
    assert session_data["token"]
