"""Functions covered only by the tests around the crashing one (tests/test_*_crash*.py)."""


def beta():
    value = "beta"
    return value.upper()


def alpha():
    value = "alpha"
    return value.upper()


def gamma():
    value = "gamma"
    return value.upper()
