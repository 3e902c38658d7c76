"""Small exchange configs built from plain dicts, for the tests."""

from __future__ import annotations

from typing import Any

from opvang_opt.exchange import ExchangeConfig


def muni(code: str, name: str, population: int = 10_000) -> dict[str, Any]:
    return {"code": code, "name": name, "population": population}


def one_group_config(
    specs: list[tuple[str, float, list[dict[str, Any]]]],
    *,
    keep: float = 0.0,
    unmet: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A config with one group ``g`` and per municipality ``(code, task, capacity entries)``.

    Each capacity entry is ``{"type": ..., "places": ..., cost fields}``; housing types
    ``cheap``/``large``/``small`` etc. are created on the fly for group ``g``.
    """
    types: dict[str, dict[str, Any]] = {}
    capacity = []
    for code, _task, entries in specs:
        for e in entries:
            types.setdefault(e["type"], {"name": e["type"], "groups": ["g"]})
            capacity.append({"municipality": code, **e})
    data: dict[str, Any] = {
        "municipalities": [muni(code, f"M{code[-2:]}") for code, _, _ in specs],
        "groups": [{"name": "g", "unmet_cost_per_place": unmet}],
        "tasks": {code: {"g": task} for code, task, _ in specs},
        "housing_types": list(types.values()),
        "capacity": capacity,
        "bounds": {"default": {"min_keep_share": keep}},
    }
    data.update(extra)
    return data


def cfg(data: dict[str, Any]) -> ExchangeConfig:
    return ExchangeConfig.model_validate(data)
