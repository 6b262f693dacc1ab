"""Receipts and the printer that numbers them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Receipt:
    number: int
    lines: list[tuple[str, int, Decimal]]  # (product name, quantity, line total)
    total: Decimal
    payment: str = "card"

    def render(self) -> list[str]:
        out = [f"Receipt #{self.number:05d}"]
        out += [f"{quantity:>3} x {name:<20} EUR {amount:>8}" for name, quantity, amount in self.lines]
        out.append(f"TOTAL {'':<24} EUR {self.total:>8}")
        out.append(f"paid by {self.payment}")
        return out


class ReceiptPrinter:
    """Hands out increasing receipt numbers, like the till of one checkout counter."""

    def __init__(self, first: int = 1) -> None:
        self._numbers = itertools.count(first)

    def next_number(self) -> int:
        return next(self._numbers)
