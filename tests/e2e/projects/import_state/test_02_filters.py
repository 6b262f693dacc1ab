import warnings

warnings.simplefilter("error", UserWarning)


def test_filters_set():
    pass
