import time
from decimal import Decimal

import pytest

from shop import EmptyCart, OutOfStock


class TestCart:
    def test_empty_cart_total_is_zero(self, cart):
        assert cart.total() == Decimal("0")

    def test_total_includes_tax(self, cart):
        cart.add("MUG-004", 2)  # 8.25 net + 20% tax = 9.90 each
        assert cart.total() == Decimal("19.80")

    def test_bulk_discount_applies_per_line(self, cart):
        cart.add("APL-001", 10)  # 0.44 gross each, 5% off for 10
        assert cart.total() == Decimal("4.18")

    def test_unknown_sku_is_rejected(self, cart):
        with pytest.raises(KeyError, match="unknown SKU 'XYZ-999'"):
            cart.add("XYZ-999")

    def test_cannot_add_more_than_stock(self, cart):
        cart.add("PEN-005", 40)
        with pytest.raises(OutOfStock):
            cart.add("PEN-005")


def test_checkout_takes_stock(cart, inventory, printer):
    cart.add("BRD-002", 3)
    time.sleep(0.1)  # stands in for the card terminal
    cart.checkout(printer.next_number())
    assert inventory.quantity("BRD-002") == 37


def test_checkout_of_empty_cart_fails(cart, printer):
    with pytest.raises(EmptyCart):
        cart.checkout(printer.next_number())


@pytest.mark.slow
@pytest.mark.parametrize(("payment", "latency"), [("card", 0.3), ("cash", 0.1), ("voucher", 0.2)])
def test_payment_methods(cart, printer, payment, latency):
    cart.add("CHS-003")
    time.sleep(latency)  # stands in for the payment provider
    receipt = cart.checkout(printer.next_number(), payment=payment)
    assert receipt.render()[-1] == f"paid by {payment}"
