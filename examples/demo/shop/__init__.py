"""A tiny shop: inventory, prices, carts and receipts. The code under test of jackd's demo suite."""

from shop.cart import Cart, EmptyCart
from shop.inventory import Inventory, OutOfStock
from shop.pricing import Catalog, Product, bulk_discount, price_with_tax, apply_discount, round_cents
from shop.receipt import Receipt, ReceiptPrinter

__all__ = [
    "Cart",
    "Catalog",
    "EmptyCart",
    "Inventory",
    "OutOfStock",
    "Product",
    "Receipt",
    "ReceiptPrinter",
    "apply_discount",
    "bulk_discount",
    "price_with_tax",
    "round_cents",
]
