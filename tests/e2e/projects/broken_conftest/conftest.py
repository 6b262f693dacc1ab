raise RuntimeError("e2e broken conftest marker")
