"""Siting (spoor 3): criteria, exclusions, scores, capacity and the shortlist."""

from opvang_opt.siting.stage import SitingInputs, SitingResult, run_siting

__all__ = ["SitingInputs", "SitingResult", "run_siting"]
