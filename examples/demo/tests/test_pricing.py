from decimal import Decimal

import pytest

from shop import apply_discount, bulk_discount, price_with_tax, round_cents
from shop.pricing import apply_discounts


@pytest.mark.parametrize(
    ("net", "rate", "gross"),
    [
        ("10.00", 20, "12.00"),
        ("0.40", 10, "0.44"),
        ("3.33", 20, "4.00"),
        ("99.99", 0, "99.99"),
    ],
)
def test_price_with_tax(net, rate, gross):
    assert price_with_tax(Decimal(net), rate) == Decimal(gross)


def test_negative_tax_rate_is_rejected():
    with pytest.raises(ValueError):
        price_with_tax(Decimal("1.00"), -5)


@pytest.mark.parametrize(("percent", "expected"), [(0, "80.00"), (25, "60.00"), (100, "0.00")])
def test_apply_discount(percent, expected):
    assert apply_discount(Decimal("80.00"), percent) == Decimal(expected)


@pytest.mark.parametrize(("quantity", "percent"), [(1, 0), (10, 5), (50, 10), (250, 15)])
def test_bulk_discount_tiers(quantity, percent):
    assert bulk_discount(quantity) == percent


def test_rounding_is_half_up():
    assert round_cents(Decimal("0.125")) == Decimal("0.13")
    assert round_cents(Decimal("0.124")) == Decimal("0.12")


@pytest.mark.skip(reason="currency conversion needs a live exchange-rate service")
def test_convert_to_dollars():
    raise AssertionError("never runs")


@pytest.mark.xfail(reason="known limitation: discounts do not stack yet", strict=True)
def test_discounts_stack():
    # 10% off, then 10% off again, would be 81.00; today only the larger discount counts.
    assert apply_discounts(Decimal("100.00"), [10, 10]) == Decimal("81.00")
