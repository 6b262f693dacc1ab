import pytest


@pytest.mark.parametrize("n", range(4))
def test_uses_session_data(session_data, n):
    assert session_data["token"]


@pytest.mark.xdist_group("db")
def test_grouped_one():
    pass


@pytest.mark.xdist_group(name="db")
def test_grouped_two():
    pass
