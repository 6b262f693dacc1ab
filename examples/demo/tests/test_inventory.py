import time

import pytest

from shop import Inventory, OutOfStock


def test_new_inventory_is_empty():
    assert Inventory().skus() == []


def test_add_increases_quantity():
    stock = Inventory()
    stock.add("APL-001", 3)
    stock.add("APL-001", 2)
    assert stock.quantity("APL-001") == 5


def test_remove_decreases_quantity(inventory):
    inventory.remove("MUG-004", 15)
    assert inventory.quantity("MUG-004") == 25


def test_remove_more_than_stock_raises(inventory):
    with pytest.raises(OutOfStock, match="wanted 41, only 40 in stock"):
        inventory.remove("PEN-005", 41)


@pytest.mark.parametrize("quantity", [0, -1, -50])
def test_add_rejects_non_positive_quantity(quantity):
    with pytest.raises(ValueError, match="must be positive"):
        Inventory().add("APL-001", quantity)


def test_stock_covers_the_whole_catalog(catalog, inventory):
    assert inventory.skus() == sorted(product.sku for product in catalog)


def test_low_stock_report(inventory, thresholds):
    inventory.remove("BRD-002", 38)
    inventory.remove("CHS-003", 35)
    assert inventory.low_stock(thresholds["default"]) == ["BRD-002", "CHS-003"]
    assert inventory.low_stock(thresholds["critical"]) == ["BRD-002"]


@pytest.mark.slow
@pytest.mark.parametrize(("supplier", "latency"), [("north", 0.3), ("south", 0.2), ("east", 0.3), ("west", 0.2)])
def test_supplier_order_covers_what_was_sold(inventory, supplier, latency):
    inventory.remove("APL-001", 25)
    time.sleep(latency)  # stands in for the supplier's ordering service
    assert inventory.restock_order(40) == {"APL-001": 25}


class TestRestock:
    def test_order_fills_up_to_target(self, inventory, restock_target):
        inventory.remove("APL-001", 30)
        order = inventory.restock_order(restock_target)
        assert order["APL-001"] == restock_target - 10

    def test_full_items_are_not_ordered(self, inventory, restock_target):
        inventory.add("PEN-005", restock_target)
        assert "PEN-005" not in inventory.restock_order(restock_target)

    def test_order_is_sorted_by_sku(self, inventory, restock_target):
        order = inventory.restock_order(restock_target)
        assert list(order) == sorted(order)
