def test_unreached():
    pass
