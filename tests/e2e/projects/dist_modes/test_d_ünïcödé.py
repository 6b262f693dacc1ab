"""A non-ASCII file name and class name."""


class TestÜber:
    def test_één(self):
        pass

    def test_twee(self):
        pass

    def test_drie(self):
        pass


def test_module_level_ü():
    pass
