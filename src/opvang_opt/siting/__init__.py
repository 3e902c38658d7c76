"""Siting (spoor 3): criteria, exclusions, scores, capacity, robustness and the shortlist."""

from __future__ import annotations

from typing import Any

__all__ = ["SitingInputs", "SitingResult", "SitingSummary", "run_siting"]


def __getattr__(name: str) -> Any:
    # imported on first use, so the light modules (values, shortlist) load on their own
    if name in __all__:
        from opvang_opt.siting import stage

        return getattr(stage, name)
    raise AttributeError(name)
