def test_packaged():
    pass
