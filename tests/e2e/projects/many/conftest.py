"""Knobs for the `many` project, all off by default (200 quick passing tests).

E2E_MANY_SLEEP: seconds every test sleeps in its call phase.
E2E_MANY_FAIL: node IDs (comma-separated) of tests that fail (in their call phase) instead of passing.
"""
