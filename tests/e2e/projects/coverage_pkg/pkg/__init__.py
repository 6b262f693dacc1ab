"""A small package with branches, for the coverage tests."""

VERSION = "1.0"


def describe():
    return f"pkg {VERSION}"
