"""A shopping cart that checks stock on add and takes it on checkout."""

from __future__ import annotations

from decimal import Decimal

from shop.inventory import Inventory, OutOfStock
from shop.pricing import Catalog, apply_discount, bulk_discount, round_cents
from shop.receipt import Receipt


class EmptyCart(Exception):
    """Raised on checkout of a cart with nothing in it."""


class Cart:
    def __init__(self, catalog: Catalog, inventory: Inventory) -> None:
        self._catalog = catalog
        self._inventory = inventory
        self._lines: dict[str, int] = {}

    def add(self, sku: str, quantity: int = 1) -> None:
        product = self._catalog.get(sku)  # raises KeyError for unknown SKUs
        wanted = self._lines.get(sku, 0) + quantity
        available = self._inventory.quantity(product.sku)
        if wanted > available:
            raise OutOfStock(sku, wanted, available)
        self._lines[sku] = wanted

    def line_total(self, sku: str) -> Decimal:
        quantity = self._lines[sku]
        gross = self._catalog.get(sku).gross_price * quantity
        return apply_discount(gross, bulk_discount(quantity))

    def total(self) -> Decimal:
        return round_cents(sum((self.line_total(sku) for sku in self._lines), Decimal(0)))

    def checkout(self, number: int, payment: str = "card") -> Receipt:
        if not self._lines:
            raise EmptyCart("nothing to check out")
        for sku, quantity in self._lines.items():
            self._inventory.remove(sku, quantity)
        lines = [(self._catalog.get(sku).name, quantity, self.line_total(sku)) for sku, quantity in self._lines.items()]
        receipt = Receipt(number=number, lines=lines, total=self.total(), payment=payment)
        self._lines.clear()
        return receipt
