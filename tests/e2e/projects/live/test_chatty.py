import logging


def test_prints():
    for i in range(1, 4):
        print(f"chatty line {i}", flush=True)


def test_logs():
    logging.getLogger("chatty").info("logged from test_logs")


def test_fails():
    assert 6 * 7 == 43
