"""The examples in the public API's docstrings are true: each module's doctests run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import opvang_opt

MODULES = sorted(m.name for m in pkgutil.walk_packages(opvang_opt.__path__, "opvang_opt."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail"
