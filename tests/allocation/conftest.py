"""Small hand-made allocation instances for the tests."""

from __future__ import annotations

import pandas as pd
import pytest

HH_DEFAULTS = {
    "group": "statushouders",
    "persons": 1,
    "adults": 1,
    "children_0_3": 0,
    "children_4_11": 0,
    "children_12_17": 0,
    "needs_wheelchair": False,
    "needs_ground_floor": False,
    "needs_medical": False,
    "school_x": float("nan"),
    "school_y": float("nan"),
    "work_x": float("nan"),
    "work_y": float("nan"),
    "preferred_sites": "",
    "refused_sites": "",
    "arrival_date": "2025-03-01",
    "current_unit": "",
}
UNIT_DEFAULTS = {
    "site_id": "S1",
    "bedrooms": 1,
    "beds": 2,
    "accessible": False,
    "floor": 0,
    "available_from": "2025-01-01",
    "rent_eur": 600.0,
}


def households(*rows: dict) -> pd.DataFrame:
    """Households from partial rows (id defaults to H1, H2, ...)."""
    out = []
    for i, r in enumerate(rows):
        out.append({"household_id": f"H{i + 1}", **HH_DEFAULTS, **r})
    return pd.DataFrame(out)


def units(*rows: dict) -> pd.DataFrame:
    """Units from partial rows (id defaults to U1, U2, ...)."""
    out = []
    for i, r in enumerate(rows):
        out.append({"unit_id": f"U{i + 1}", **UNIT_DEFAULTS, **r})
    return pd.DataFrame(out)


def sites(n: int = 2, spacing: float = 5000.0) -> pd.DataFrame:
    """``n`` sites S1..Sn on a line ``spacing`` metres apart."""
    return pd.DataFrame(
        {
            "site_id": [f"S{i + 1}" for i in range(n)],
            "x": [120000.0 + i * spacing for i in range(n)],
            "y": [480000.0] * n,
        }
    )


def schools(*rows: dict) -> pd.DataFrame:
    base = {"x": 120000.0, "y": 480000.0, "taalklas_places": 0, "isk_places": 0}
    return pd.DataFrame([{"school_id": f"SC{i + 1}", **base, **r} for i, r in enumerate(rows)])


def gps(*xy: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "gp_id": [f"G{i + 1}" for i in range(len(xy))],
            "x": [p[0] for p in xy],
            "y": [p[1] for p in xy],
        }
    )


@pytest.fixture
def tiny():
    """A namespace with the helpers."""

    class T:
        pass

    t = T()
    t.households, t.units, t.sites, t.schools, t.gps = households, units, sites, schools, gps
    return t
