def test_sigkill(crash_once):
    crash_once("kill")


def test_after_sigkill():
    pass
