from pkg.crashy import gamma


def test_covers_gamma():
    assert gamma() == "GAMMA"
