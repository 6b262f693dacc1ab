import pytest


class TestBeta:
    @pytest.mark.parametrize("word", ["a", "bb", "ccc", "dddd", "eeeee"])
    def test_length(self, word):
        assert len(word) == len(set(word)) or len(word) > 1

    def test_plain(self):
        assert True


@pytest.mark.xfail(reason="e2e expected failure")
def test_expected_failure():
    assert False
