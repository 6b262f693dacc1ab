import pytest


@pytest.fixture
def database():
    pytest.exit("database not reachable", returncode=3)


def test_before():
    pass


def test_needs_database(database):
    pass


def test_after():
    pass
