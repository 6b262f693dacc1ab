"""Loaded with `-p e2e_broken_plugin` (with this directory on PYTHONPATH): fails at import."""
raise RuntimeError("e2e plugin fails at import")
