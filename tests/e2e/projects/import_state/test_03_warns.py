import warnings

warnings.warn("imported after test_02_filters", UserWarning)


def test_never_collected_under_pytest():
    pass
