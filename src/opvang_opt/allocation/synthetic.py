"""Seeded synthetic allocation instances (for tests and benchmarks).

The households, units, sites, schools and GPs look like Duo+ data (RD New
coordinates around Diemen, Ouder-Amstel and Uithoorn, group and household-size
mixes after the public figures in DESIGN.md), but are random: ids are pseudonymous
(``H00001``), and there are no names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opvang_opt.schema import AllocationConfig, AllocationSolverSettings, MixRule

BBOX = (115_000.0, 468_000.0, 130_000.0, 486_000.0)
"""RD New box of the Duo+ area (xmin, ymin, xmax, ymax), metres."""

GROUP_SHARES = {
    "ontheemden": 0.40,
    "statushouders": 0.30,
    "asielzoekers": 0.10,
    "urgent": 0.10,
    "starter": 0.10,
}
SIZE_SHARES = {1: 0.35, 2: 0.20, 3: 0.18, 4: 0.14, 5: 0.08, 6: 0.03, 7: 0.02}
# (bedrooms, beds, share, base rent)
UNIT_KINDS = [
    (0, 1, 0.30, 520.0),
    (1, 2, 0.25, 640.0),
    (2, 4, 0.25, 760.0),
    (3, 6, 0.15, 880.0),
    (4, 8, 0.05, 980.0),
]


@dataclass(frozen=True)
class SyntheticInstance:
    """The tables of one synthetic instance and a matching configuration."""

    households: pd.DataFrame
    units: pd.DataFrame
    sites: pd.DataFrame
    schools: pd.DataFrame
    gps: pd.DataFrame
    config: AllocationConfig

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables as keyword arguments of :func:`~opvang_opt.allocation.allocate`."""
        return {
            "households": self.households,
            "units": self.units,
            "sites": self.sites,
            "schools": self.schools,
            "gps": self.gps,
        }


def make_instance(
    n_households: int = 500,
    n_units: int = 600,
    n_sites: int = 12,
    *,
    n_schools: int | None = None,
    n_gps: int | None = None,
    seed: int = 0,
    school_slack: float = 1.15,
    mix: bool = True,
    time_limit_s: float = 30.0,
) -> SyntheticInstance:
    """Generate a seeded instance with all hard rules in play.

    Parameters
    ----------
    n_households, n_units, n_sites
        Sizes.
    n_schools, n_gps
        Numbers of newcomer-education schools and GPs (scaled with the sites when omitted).
    seed
        Random seed; the same seed gives the same instance.
    school_slack
        Total places per band as a multiple of the children needing them.
    mix
        Add the mix rules (statushouders at most 50% and ontheemden at most 60% per site).
    time_limit_s
        Solver time limit in the returned configuration.

    Examples
    --------
    >>> inst = make_instance(50, 60, 4, seed=1)
    >>> len(inst.households), len(inst.units)
    (50, 60)
    """
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = BBOX
    n_schools = n_schools or max(3, n_sites // 2)
    n_gps = n_gps or max(3, n_sites)
    start = np.datetime64("2025-01-01")

    sites = pd.DataFrame(
        {
            "site_id": [f"S{i + 1:03d}" for i in range(n_sites)],
            "x": rng.uniform(xmin, xmax, n_sites).round(1),
            "y": rng.uniform(ymin, ymax, n_sites).round(1),
        }
    )
    # units, spread unevenly over sites
    weights = rng.uniform(0.5, 1.5, n_sites)
    site_of_unit = np.sort(rng.choice(n_sites, n_units, p=weights / weights.sum()))
    kinds = rng.choice(len(UNIT_KINDS), n_units, p=[k[2] for k in UNIT_KINDS])
    bedrooms = np.array([UNIT_KINDS[k][0] for k in kinds])
    beds = np.array([UNIT_KINDS[k][1] for k in kinds])
    rent = np.array([UNIT_KINDS[k][3] for k in kinds]) + rng.choice([0.0, 25.0, 50.0], n_units)
    floor = rng.choice([0, 1, 2], n_units, p=[0.5, 0.3, 0.2])
    accessible = (floor == 0) & (rng.random(n_units) < 0.15)
    late = rng.random(n_units) < 0.2
    # flexwoningen are delivered in batches: most are ready, the rest in three phases
    avail = np.where(late, start + 30 * rng.integers(1, 4, n_units), start - 30)
    units = pd.DataFrame(
        {
            "unit_id": [f"U{i + 1:05d}" for i in range(n_units)],
            "site_id": sites["site_id"].to_numpy()[site_of_unit],
            "bedrooms": bedrooms,
            "beds": beds,
            "accessible": accessible,
            "floor": floor,
            "available_from": avail.astype("datetime64[D]"),
            "rent_eur": rent,
        }
    )

    # households
    groups = rng.choice(list(GROUP_SHARES), n_households, p=list(GROUP_SHARES.values()))
    persons = rng.choice(list(SIZE_SHARES), n_households, p=list(SIZE_SHARES.values()))
    adults = np.where(persons == 1, 1, np.where(rng.random(n_households) < 0.7, 2, 1))
    adults = np.minimum(adults, persons)
    kids = persons - adults
    c03 = rng.binomial(kids, 0.25)
    c411 = rng.binomial(kids - c03, 0.6)
    c1217 = kids - c03 - c411
    wheel = rng.random(n_households) < 0.02
    ground = ~wheel & (rng.random(n_households) < 0.05)
    medical = rng.random(n_households) < 0.08
    enrolled = (c411 + c1217 > 0) & (rng.random(n_households) < 0.3)
    works = rng.random(n_households) < 0.3
    sx = np.where(enrolled, rng.uniform(xmin, xmax, n_households), np.nan).round(1)
    sy = np.where(enrolled, rng.uniform(ymin, ymax, n_households), np.nan).round(1)
    wx = np.where(works, rng.uniform(xmin - 5000, xmax + 5000, n_households), np.nan).round(1)
    wy = np.where(works, rng.uniform(ymin - 5000, ymax + 5000, n_households), np.nan).round(1)
    site_ids = sites["site_id"].to_numpy()
    pref, refu = [], []
    for _ in range(n_households):
        r = rng.random()
        if r < 0.2:
            pref.append(";".join(sorted(rng.choice(site_ids, min(2, n_sites), replace=False))))
            refu.append("")
        elif r < 0.25 and n_sites > 2:
            pref.append("")
            refu.append(str(rng.choice(site_ids)))
        else:
            pref.append("")
            refu.append("")
    arrival = start + rng.integers(0, 180, n_households)
    households = pd.DataFrame(
        {
            "household_id": [f"H{i + 1:05d}" for i in range(n_households)],
            "group": groups,
            "persons": persons,
            "adults": adults,
            "children_0_3": c03,
            "children_4_11": c411,
            "children_12_17": c1217,
            "needs_wheelchair": wheel,
            "needs_ground_floor": ground,
            "needs_medical": medical,
            "school_x": sx,
            "school_y": sy,
            "work_x": wx,
            "work_y": wy,
            "preferred_sites": pref,
            "refused_sites": refu,
            "arrival_date": arrival.astype("datetime64[D]"),
            "current_unit": "",
        }
    )
    # a few households live in a unit of the stock now (relocation)
    movers = rng.choice(n_households, max(1, n_households // 50), replace=False)
    cand = rng.choice(n_units, len(movers), replace=False)
    for h, u in zip(movers, cand, strict=True):
        if beds[u] >= persons[h] and not wheel[h]:
            households.loc[h, "current_unit"] = units["unit_id"].iloc[u]
            households.loc[h, "arrival_date"] = start - 20
            units.loc[u, "available_from"] = start - 30

    # schools: places a little above the newcomer children's demand, unevenly spread
    newcomer = np.isin(groups, ["ontheemden", "statushouders", "asielzoekers"]) & ~enrolled
    need = np.array([(c411 * newcomer).sum(), (c1217 * newcomer).sum()], float)
    sw = rng.uniform(0.3, 1.7, n_schools)
    places = np.floor(np.outer(sw / sw.sum(), need * school_slack) + 1).astype(int)
    schools = pd.DataFrame(
        {
            "school_id": [f"SCH{i + 1:02d}" for i in range(n_schools)],
            "x": rng.uniform(xmin, xmax, n_schools).round(1),
            "y": rng.uniform(ymin, ymax, n_schools).round(1),
            "taalklas_places": places[:, 0],
            "isk_places": places[:, 1],
        }
    )
    gps = pd.DataFrame(
        {
            "gp_id": [f"GP{i + 1:03d}" for i in range(n_gps)],
            "x": rng.uniform(xmin, xmax, n_gps).round(1),
            "y": rng.uniform(ymin, ymax, n_gps).round(1),
        }
    )
    rules = (
        [
            MixRule(groups=["statushouders"], max_share=0.5),
            MixRule(groups=["ontheemden"], max_share=0.6),
        ]
        if mix
        else []
    )
    config = AllocationConfig(
        mix_rules=rules,
        school_reach_m=6000.0,
        medical_reach_m=4000.0,
        max_wait_days=14,
        solver=AllocationSolverSettings(time_limit_s=time_limit_s),
    )
    return SyntheticInstance(households, units, sites, schools, gps, config)
