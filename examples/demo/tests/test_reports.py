"""Report rendering; the renders are slow on purpose, so that a parallel run is visibly faster."""

import time

import pytest


def render(kind, inventory, catalog):
    time.sleep(0.25)  # stands in for a slow template engine
    rows = [f"{product.sku} {product.name:<16} {inventory.quantity(product.sku):>4}" for product in catalog]
    return "\n".join([f"# {kind} report", *rows])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sales", "stock", "tax"])
def test_report_renders(kind, inventory, catalog, report_dir):
    path = report_dir / f"{kind}.txt"
    path.write_text(render(kind, inventory, catalog))
    assert path.read_text().splitlines()[0] == f"# {kind} report"
    assert len(path.read_text().splitlines()) == 1 + len(catalog)


@pytest.mark.slow
def test_report_is_deterministic(inventory, catalog):
    assert render("stock", inventory, catalog) == render("stock", inventory, catalog)
