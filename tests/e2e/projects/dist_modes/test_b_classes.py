"""Classes of several sizes, one nested (loadscope groups by the innermost class)."""
import pytest


def test_module_level_one():
    pass


class TestFirst:
    def test_one(self):
        pass

    @pytest.mark.parametrize("n", [1, 2], ids=["a::b", "c@d"])
    def test_param(self, n):
        assert n

    def test_three(self):
        pass


class TestOuter:
    def test_outer_one(self):
        pass

    class TestInner:
        def test_inner_one(self):
            pass

        def test_inner_two(self):
            pass

        @pytest.mark.parametrize("s", ["x y", "z[0]"])
        def test_inner_param(self, s):
            assert s

    def test_outer_two(self):
        pass


class TestSecond:
    def test_only(self):
        pass


def test_module_level_two():
    pass
