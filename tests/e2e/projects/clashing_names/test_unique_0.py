def test_unique():
    pass
