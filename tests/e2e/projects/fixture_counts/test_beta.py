import time

import pytest


@pytest.mark.parametrize("n", range(4))
def test_function(n, module_resource):
    time.sleep(0.02)
    assert module_resource == "test_beta"


@pytest.mark.usefixtures("class_resource")
class TestWithClassFixture:
    def test_first(self):
        time.sleep(0.02)

    def test_second(self):
        time.sleep(0.02)

    def test_third(self, class_resource):
        assert class_resource == "test_beta.TestWithClassFixture"


def test_after_class(module_resource):
    assert module_resource == "test_beta"
