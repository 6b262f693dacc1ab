import pytest

from shop import Cart, ReceiptPrinter


@pytest.fixture(scope="package")
def printer() -> ReceiptPrinter:
    """One receipt printer for the whole checkout package, like one till in a shop."""
    return ReceiptPrinter(first=1000)


@pytest.fixture
def cart(catalog, inventory) -> Cart:
    return Cart(catalog, inventory)
