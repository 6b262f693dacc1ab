from decimal import Decimal

import pytest


@pytest.fixture
def receipt(cart, printer):
    cart.add("BRD-002", 2)
    cart.add("CHS-003", 1)
    return cart.checkout(printer.next_number())


def test_receipt_lists_every_line(receipt):
    lines = receipt.render()
    assert lines[0].startswith("Receipt #")
    assert "sourdough bread" in lines[1]
    assert "comte cheese" in lines[2]


def test_receipt_total_matches_lines(receipt):
    assert receipt.total == sum(amount for _, _, amount in receipt.lines)
    assert receipt.total == Decimal("14.63")  # 2 x 3.52 + 7.59


def test_receipt_numbers_increase(cart, printer):
    first, second = printer.next_number(), printer.next_number()
    assert 1000 <= first < second


def expect_total_line(receipt, expected):
    total_line = receipt.render()[-2]
    assert total_line.split()[-1] == str(expected), "the receipt does not show the total the customer was told"


def test_deliberate_failure_shows_a_traceback(receipt):
    """Fails on purpose, to show how a failure is reported: the assertion, its diff and the traceback."""
    expect_total_line(receipt, Decimal("14.36"))  # digits swapped: the receipt says 14.63
