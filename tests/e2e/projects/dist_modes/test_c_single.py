def test_single():
    pass
