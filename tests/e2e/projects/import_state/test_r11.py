import sys

import clock
import pytest
import registry

registry.MODULES.add(__name__)

# One group under --dist loadgroup: fewer units than workers, so the run starts workers of its own.
pytestmark = pytest.mark.xdist_group("registry")


def test_registry_holds_every_module():
    assert len(registry.MODULES) == 8, sorted(registry.MODULES)


@pytest.mark.skipif("heavylib" in sys.modules, reason="heavylib is imported")
def test_without_heavylib():
    pass


@pytest.mark.skipif('"heavylib" in sys.modules', reason="heavylib is imported (string condition)")
def test_without_heavylib_at_setup():
    pass


def test_clock_is_patched():
    assert clock.now() == 0.0
