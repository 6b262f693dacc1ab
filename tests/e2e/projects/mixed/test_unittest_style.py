import unittest


class UnittestCase(unittest.TestCase):
    def test_ut_pass(self):
        self.assertEqual(2 * 2, 4)

    def test_ut_fail(self):
        self.assertEqual("left", "right")

    @unittest.skip("e2e unittest skip")
    def test_ut_skip(self):
        pass

    @unittest.expectedFailure
    def test_ut_expected_failure(self):
        self.assertEqual(1, 2)
