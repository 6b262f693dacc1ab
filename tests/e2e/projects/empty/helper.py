"""Not a test module: the `empty` project must collect nothing."""


def add(a, b):
    return a + b
