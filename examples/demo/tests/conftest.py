"""Fixtures of every scope, from the widest to the narrowest.

Under jackd (as under pytest-xdist) each worker process has its own session, so a session fixture
is set up once per worker, and module or class fixtures once per worker that runs tests of that
module or class.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from shop import Catalog, Inventory, Product


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The product catalog: built once per session (per worker under jackd)."""
    return Catalog(
        [
            Product("APL-001", "apple", Decimal("0.40"), tax_rate=10),
            Product("BRD-002", "sourdough bread", Decimal("3.20"), tax_rate=10),
            Product("CHS-003", "comte cheese", Decimal("6.90"), tax_rate=10),
            Product("MUG-004", "enamel mug", Decimal("8.25")),
            Product("PEN-005", "fountain pen", Decimal("24.00")),
        ]
    )


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory):
    """A scratch directory for rendered reports, named after the worker (xdist-compatible variable)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return tmp_path_factory.mktemp(f"reports-{worker}")


@pytest.fixture(scope="package")
def warehouse(catalog: Catalog) -> dict[str, int]:
    """Opening stock of the warehouse, shared by every test of the `tests` package."""
    return {product.sku: 40 for product in catalog}


@pytest.fixture(scope="module")
def thresholds() -> dict[str, int]:
    """Low-stock thresholds; one copy per test module."""
    return {"default": 10, "critical": 3}


@pytest.fixture(scope="class")
def restock_target() -> int:
    """Stock level a restock order fills up to; set up once per test class."""
    return 50


@pytest.fixture
def inventory(warehouse: dict[str, int]) -> Inventory:
    """A fresh inventory per test, stocked from the warehouse: tests may change it freely."""
    stock = Inventory()
    for sku, quantity in warehouse.items():
        stock.add(sku, quantity)
    yield stock
    # teardown: nothing to release, but the yield shows where it would go
