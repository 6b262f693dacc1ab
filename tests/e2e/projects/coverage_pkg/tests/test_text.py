import pytest

import pkg
from pkg.text import Greeter, initials, shout


def test_shout_twice():
    assert shout("hi", 2) == "HI HI"


def test_initials():
    assert initials("ada lovelace") == "AL"


def test_greeter():
    assert Greeter().greet("bob") == "hello, bob"


def test_greeter_needs_a_name():
    with pytest.raises(ValueError):
        Greeter("hi").greet("")


def test_describe():
    assert pkg.describe() == "pkg 1.0"
