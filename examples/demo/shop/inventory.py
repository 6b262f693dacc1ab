"""Stock levels per SKU."""

from __future__ import annotations


class OutOfStock(Exception):
    """Raised when more units are taken than are in stock."""

    def __init__(self, sku: str, wanted: int, available: int) -> None:
        super().__init__(f"{sku}: wanted {wanted}, only {available} in stock")
        self.sku = sku
        self.wanted = wanted
        self.available = available


class Inventory:
    def __init__(self) -> None:
        self._stock: dict[str, int] = {}

    def add(self, sku: str, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")
        self._stock[sku] = self._stock.get(sku, 0) + quantity

    def remove(self, sku: str, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")
        available = self.quantity(sku)
        if quantity > available:
            raise OutOfStock(sku, quantity, available)
        self._stock[sku] = available - quantity

    def quantity(self, sku: str) -> int:
        return self._stock.get(sku, 0)

    def skus(self) -> list[str]:
        return sorted(sku for sku, quantity in self._stock.items() if quantity > 0)

    def low_stock(self, threshold: int) -> list[str]:
        """SKUs known to the inventory whose stock is below threshold, sorted."""
        return sorted(sku for sku, quantity in self._stock.items() if quantity < threshold)

    def restock_order(self, target: int) -> dict[str, int]:
        """How many units of each known SKU to order so that every one reaches target."""
        return {sku: target - quantity for sku, quantity in sorted(self._stock.items()) if quantity < target}
