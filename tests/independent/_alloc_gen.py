"""Random small allocation instances with every documented rule active at once.

Everything lies on one east-west line on a whole-kilometre grid and every weight is a
whole number, so each objective is an integer (see ``_alloc_pair.py``). Reaches are
half a kilometre off the grid, so no distance sits on a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from hypothesis import strategies as st

GROUPS = ["statushouders", "ontheemden", "starter"]
NEWCOMER = ["statushouders", "ontheemden"]
SHARES: list[float | str] = [
    0.3333333,
    0.6666667,
    0.333,
    0.1428571,
    "2/7",
    "3/5",
    0.5,
    0.0,
    1.0,
    "1/1",
    0.75,
]
Y = 480_000.0
X0 = 120_000.0


@dataclass
class Case:
    """One instance as raw rows and the raw ``allocation:`` mapping."""

    hh: list[dict]
    un: list[dict]
    site_x: dict[str, float]
    schools: list[dict]
    gp_x: list[float]
    occupied: list[dict]
    cfg: dict

    def frames(self) -> dict[str, pd.DataFrame]:
        """The engine's input tables."""
        hh = pd.DataFrame(self.hh)
        un = pd.DataFrame(self.un)
        sites = pd.DataFrame(
            {"site_id": list(self.site_x), "x": list(self.site_x.values()), "y": Y}
        )
        schools = pd.DataFrame(
            [
                {"school_id": f"SC{k + 1}", "x": s["x"], "y": Y, **_places(s)}
                for k, s in enumerate(self.schools)
            ],
            columns=["school_id", "x", "y", "taalklas_places", "isk_places"],
        )
        gps = pd.DataFrame(
            {"gp_id": [f"G{k + 1}" for k in range(len(self.gp_x))], "x": self.gp_x, "y": Y}
        )
        occupied = pd.DataFrame(self.occupied, columns=["unit_id", "group"])
        return {
            "households": hh,
            "units": un,
            "sites": sites,
            "schools": schools,
            "gps": gps,
            "occupied": occupied,
        }


def _places(s: dict) -> dict:
    return {"taalklas_places": s["taalklas_places"], "isk_places": s["isk_places"]}


def _km(draw, lo: int, hi: int) -> float:
    return X0 + 1000.0 * draw(st.integers(lo, hi))


@st.composite
def cases(draw, max_households: int = 8, max_units: int = 8, singles: float = 0.5) -> Case:
    """An instance with sharing, pins, bans, residents, occupied units, mix rules,
    school places, medical reach, rent caps, waiting and preferences."""
    n_sites = draw(st.integers(1, 3))
    positions = draw(st.lists(st.integers(0, 6), min_size=n_sites, max_size=n_sites, unique=True))
    site_x = {f"S{k + 1}": X0 + 1000.0 * p for k, p in enumerate(positions)}
    sids = list(site_x)
    n_units = draw(st.integers(1, max_units))
    un = []
    for j in range(n_units):
        bedrooms = draw(st.integers(0, 3))
        un.append(
            {
                "unit_id": f"U{j + 1}",
                "site_id": draw(st.sampled_from(sids)),
                "bedrooms": bedrooms,
                "beds": draw(st.integers(1, 2 * max(bedrooms, 1) + 1)),
                "accessible": draw(st.booleans()),
                "floor": draw(st.sampled_from([0, 0, 1, 2])),
                "available_from": draw(st.sampled_from(["2025-01-01", "2025-03-01", "2025-04-15"])),
                "rent_eur": float(draw(st.sampled_from([450, 600, 750]))),
            }
        )
    uids = [u["unit_id"] for u in un]
    occ_ids = draw(st.lists(st.sampled_from(uids), unique=True, max_size=min(3, n_units - 1)))
    occupied = [{"unit_id": u, "group": draw(st.sampled_from(GROUPS))} for u in occ_ids]
    free = [u for u in uids if u not in occ_ids]
    n_hh = draw(st.integers(1, max_households))
    hh = []
    residents: set[str] = set()
    for i in range(n_hh):
        group = draw(st.sampled_from(GROUPS))
        single = draw(st.integers(0, 99)) < 100 * singles
        if single:
            persons, adults, kids = 1, 1, (0, 0, 0)
        else:
            adults = draw(st.integers(1, 2))
            k = (draw(st.integers(0, 1)), draw(st.integers(0, 2)), draw(st.integers(0, 2)))
            persons = adults + sum(k)
            kids = k
        row = {
            "household_id": f"H{i + 1}",
            "group": group,
            "persons": persons,
            "adults": adults,
            "children_0_3": kids[0],
            "children_4_11": kids[1],
            "children_12_17": kids[2],
            "needs_wheelchair": draw(st.integers(0, 5)) == 0,
            "needs_ground_floor": draw(st.integers(0, 4)) == 0,
            "needs_medical": draw(st.integers(0, 3)) == 0,
            "school_x": _km(draw, -3, 9) if draw(st.integers(0, 3)) == 0 else float("nan"),
            "work_x": _km(draw, -5, 10) if draw(st.booleans()) else float("nan"),
            "preferred_sites": "",
            "refused_sites": "",
            "arrival_date": draw(st.sampled_from(["2025-01-01", "2025-02-20", "2025-03-01"])),
            "current_unit": "",
        }
        row["school_y"] = Y if row["school_x"] == row["school_x"] else float("nan")
        row["work_y"] = Y if row["work_x"] == row["work_x"] else float("nan")
        pick = draw(st.integers(0, 5))
        if pick == 0:
            row["preferred_sites"] = ";".join(
                draw(st.lists(st.sampled_from(sids), min_size=1, max_size=2, unique=True))
            )
        elif pick == 1:
            row["refused_sites"] = draw(st.sampled_from(sids))
        if free and draw(st.integers(0, 2)) == 0:
            cur = draw(st.sampled_from(free))
            if cur not in residents:
                residents.add(cur)
                row["current_unit"] = cur
        hh.append(row)
    pins: list[dict] = []
    bans: list[dict] = []
    pinned: set[str] = set()
    for h in hh:
        kind = draw(st.integers(0, 7))
        hid = h["household_id"]
        if kind == 0:
            u = draw(st.sampled_from(uids))
            if u not in pinned:
                pinned.add(u)
                pins.append({"household_id": hid, "unit_id": u})
        elif kind == 1:
            pins.append({"household_id": hid, "site_id": draw(st.sampled_from(sids))})
        elif kind == 2:
            bans.append({"household_id": hid, "unit_id": draw(st.sampled_from(uids))})
        elif kind == 3:
            bans.append({"household_id": hid, "site_id": draw(st.sampled_from(sids))})
    mix: list[dict] = []
    for _ in range(draw(st.integers(0, 2))):
        rule: dict = {
            "groups": draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=2, unique=True))
        }
        kind = draw(st.integers(0, 2))
        lo, hi = sorted([draw(st.sampled_from(SHARES)), draw(st.sampled_from(SHARES))], key=_val)
        if kind in (0, 2):
            rule["max_share"] = hi
        if kind in (1, 2):
            rule["min_share"] = lo
        if draw(st.booleans()):
            rule["sites"] = draw(st.lists(st.sampled_from(sids), min_size=1, unique=True))
        if draw(st.booleans()):
            rule["basis"] = "units"
        mix.append(rule)
    schools = [
        {
            "x": _km(draw, -1, 7),
            "taalklas_places": draw(st.integers(0, 3)),
            "isk_places": draw(st.integers(0, 2)),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    gp_x = [_km(draw, -2, 8) for _ in range(draw(st.integers(1, 2)))]
    rent_caps = []
    if draw(st.booleans()):
        rent_caps.append({"max_rent_eur": 650.0, "min_persons": 3})
    if draw(st.booleans()):
        rent_caps.append({"max_rent_eur": 500.0, "max_persons": 1, "groups": ["starter"]})
    cfg = {
        "groups": GROUPS,
        "newcomer_education_groups": NEWCOMER,
        "max_persons_per_bedroom": draw(st.sampled_from([2.0, 1.5, 2.5])),
        "allow_shared_units": draw(st.booleans()),
        "max_sharers_per_unit": draw(st.sampled_from([None, 2, 3])),
        "max_wait_days": draw(st.sampled_from([0, 30, 60])),
        "mix_rules": mix,
        "pins": pins,
        "bans": bans,
        "rent_caps": rent_caps,
        "school_reach_m": 2500.0,
        "school_capacity": draw(st.integers(0, 4)) > 0,
        "enrolled_keep_school": draw(st.booleans()),
        "medical_reach_m": 1500.0,
        "medical_rule": draw(st.sampled_from(["hard", "hard", "soft"])),
        "weights": {
            "school_km": float(draw(st.integers(0, 3))),
            "work_km": float(draw(st.integers(0, 2))),
            "care_km": float(draw(st.integers(0, 2))),
            "unused_bed": float(draw(st.integers(0, 2))),
            "relocation": float(draw(st.sampled_from([0, 5, 7]))),
            "not_preferred": float(draw(st.sampled_from([0, 2, 3]))),
        },
        "solver": {"relative_gap": 0.0, "time_limit_s": 30.0},
    }
    return Case(hh, un, site_x, schools, gp_x, occupied, cfg)


def _val(v: float | str) -> float:
    if isinstance(v, str):
        p, q = v.split("/")
        return int(p) / int(q)
    return float(v)
