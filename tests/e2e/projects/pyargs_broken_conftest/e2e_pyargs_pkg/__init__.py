"""An importable package whose tests --pyargs names; its conftest.py cannot be imported."""
