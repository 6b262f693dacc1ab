# Fails at import, as a conftest whose optional dependency is missing does.
import e2e_module_that_does_not_exist  # noqa: F401
