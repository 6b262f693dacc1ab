import e2e_module_that_does_not_exist  # noqa: F401  (deliberately missing)


def test_unreachable():
    pass
