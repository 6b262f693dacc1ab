"""Prices are Decimals in euros, rounded half-up to whole cents."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# Bulk discount tiers: (minimum quantity, percent off), highest first.
BULK_TIERS = ((100, 15), (50, 10), (10, 5))


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def price_with_tax(net: Decimal, rate_percent: int) -> Decimal:
    if rate_percent < 0:
        raise ValueError("tax rate cannot be negative")
    return round_cents(net * (100 + rate_percent) / 100)


def apply_discount(amount: Decimal, percent: int) -> Decimal:
    if not 0 <= percent <= 100:
        raise ValueError(f"discount must be between 0 and 100 percent, got {percent}")
    return round_cents(amount * (100 - percent) / 100)


def bulk_discount(quantity: int) -> int:
    """Percent off for buying quantity units of one product."""
    for minimum, percent in BULK_TIERS:
        if quantity >= minimum:
            return percent
    return 0


def apply_discounts(amount: Decimal, percents: list[int]) -> Decimal:
    """Applies several discounts. Known limitation: only the largest one counts (they do not stack)."""
    return apply_discount(amount, max(percents, default=0))


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    net_price: Decimal
    tax_rate: int = 20

    @property
    def gross_price(self) -> Decimal:
        return price_with_tax(self.net_price, self.tax_rate)


class Catalog:
    def __init__(self, products: list[Product]) -> None:
        self._products = {product.sku: product for product in products}

    def __contains__(self, sku: str) -> bool:
        return sku in self._products

    def __len__(self) -> int:
        return len(self._products)

    def __iter__(self):
        return iter(self._products.values())

    def get(self, sku: str) -> Product:
        try:
            return self._products[sku]
        except KeyError:
            raise KeyError(f"unknown SKU {sku!r}") from None
