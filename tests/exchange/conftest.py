"""Fixtures of the exchange tests."""

from __future__ import annotations

import pytest

from opvang_opt.exchange import ExchangeConfig, load_demo_config


@pytest.fixture(scope="session")
def demo() -> ExchangeConfig:
    return load_demo_config()
