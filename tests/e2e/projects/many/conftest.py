"""Knobs for the `many` project, all off by default (200 quick passing tests).

E2E_MANY_SLEEP: seconds every test sleeps in its call phase.
E2E_MANY_FAIL: the node ID of one test that fails (in its call phase) instead of passing.
"""
