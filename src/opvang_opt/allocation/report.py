"""Scoring of any household-to-unit mapping, and the per-site and per-school tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from opvang_opt.allocation.check import children_needing_places, school_assignment
from opvang_opt.allocation.model import COMPONENTS, Instance

ASSIGNMENT_COLUMNS = [
    "household_id",
    "group",
    "unit_id",
    "site_id",
    "persons",
    "beds",
    "shared",
    *COMPONENTS,
    "cost",
]


def score(inst: Instance, h: np.ndarray, u: np.ndarray) -> pd.DataFrame:
    """The assignments table with per-household components for households ``h`` in units ``u``.

    Unused beds of a shared unit are split evenly over its occupants.
    """
    h = np.asarray(h, np.int64)
    u = np.asarray(u, np.int64)
    order = np.argsort(inst.hh_ids[h].astype(str), kind="stable")
    h, u = h[order], u[order]
    j = inst.u_site[u]
    occupants = np.bincount(u, minlength=len(inst.unit_ids))[u]
    persons_in_unit = np.bincount(u, weights=inst.h_persons[h], minlength=len(inst.unit_ids))[u]
    comp = inst.comp_site[h, j] if len(h) else np.zeros((0, 4))
    unused = (inst.u_beds[u] - persons_in_unit) / np.maximum(occupants, 1)
    reloc = inst.h_has_current[h] & (inst.h_current[h] != u)
    df = pd.DataFrame(
        {
            "household_id": inst.hh_ids[h].astype(str),
            "group": np.asarray(inst.group_names, dtype=object)[inst.h_group[h]]
            if len(h)
            else np.zeros(0, object),
            "unit_id": inst.unit_ids[u].astype(str),
            "site_id": inst.site_ids[j].astype(str),
            "persons": inst.h_persons[h],
            "beds": inst.u_beds[u],
            "shared": occupants > 1,
            "school_km": comp[:, 0],
            "work_km": comp[:, 1],
            "care_km": comp[:, 2],
            "unused_beds": unused.astype(float),
            "relocation": reloc.astype(float),
            "not_preferred": comp[:, 3],
        }
    )
    w = inst.weights
    df["cost"] = df[list(COMPONENTS)].to_numpy(float) @ w if len(df) else 0.0
    return df[ASSIGNMENT_COLUMNS].reset_index(drop=True)


def site_tables(
    inst: Instance, assignments: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``by_site``, ``by_school`` and ``school_use`` tables for an assignments table."""
    tables, cfg = inst.tables, inst.config
    un = tables.units
    sites = tables.sites["site_id"].astype(str)
    by = pd.DataFrame({"site_id": sites})
    by["units"] = by["site_id"].map(un["site_id"].value_counts()).fillna(0).astype(int)
    free = un[~un["unit_id"].isin(set(tables.occupied["unit_id"]))]
    by["free_before"] = by["site_id"].map(free["site_id"].value_counts()).fillna(0).astype(int)
    new_units = assignments.drop_duplicates("unit_id")
    old = tables.occupied.assign(
        site_id=tables.occupied["unit_id"].map(un.set_index("unit_id")["site_id"])
    )
    occ_new = new_units["site_id"].value_counts()
    occ_old = old["site_id"].value_counts()
    by["occupied"] = (
        by["site_id"].map(occ_new).fillna(0) + by["site_id"].map(occ_old).fillna(0)
    ).astype(int)
    by["households"] = (
        by["site_id"].map(assignments["site_id"].value_counts()).fillna(0).astype(int)
    )
    by["persons"] = (
        by["site_id"].map(assignments.groupby("site_id")["persons"].sum()).fillna(0)
        + by["site_id"].map(old.groupby("site_id")["persons"].sum()).fillna(0)
    ).astype(int)
    by["beds_occupied_units"] = (
        by["site_id"].map(new_units.groupby("site_id")["beds"].sum()).fillna(0)
        + by["site_id"]
        .map(
            old.assign(beds=old["unit_id"].map(un.set_index("unit_id")["beds"]))
            .groupby("site_id")["beds"]
            .sum()
        )
        .fillna(0)
    ).astype(int)
    by["occupancy"] = (by["occupied"] / by["units"].where(by["units"] > 0)).fillna(0.0)
    for g in inst.group_names:
        n_new = new_units[new_units["group"] == g]["site_id"].value_counts()
        n_old = old[old["group"] == g]["site_id"].value_counts()
        by[f"units_{g}"] = (
            by["site_id"].map(n_new).fillna(0) + by["site_id"].map(n_old).fillna(0)
        ).astype(int)
    taal, isk = children_needing_places(tables.households, cfg)
    need = pd.DataFrame({"taalklas": taal, "isk": isk}, index=tables.households["household_id"])
    children = pd.DataFrame(
        {
            "site_id": assignments["site_id"].to_numpy(),
            "taalklas": need.loc[assignments["household_id"], "taalklas"].to_numpy(),
            "isk": need.loc[assignments["household_id"], "isk"].to_numpy(),
        }
    )
    by["children_taalklas"] = (
        by["site_id"].map(children.groupby("site_id")["taalklas"].sum()).fillna(0).astype(int)
    )
    by["children_isk"] = (
        by["site_id"].map(children.groupby("site_id")["isk"].sum()).fillna(0).astype(int)
    )
    _, use = school_assignment(tables, cfg, children)
    sc = tables.schools
    by_school = pd.DataFrame({"school_id": sc["school_id"].astype(str)})
    by_school["taalklas_places"] = sc["taalklas_places"].to_numpy()
    by_school["taalklas_used"] = (
        by_school["school_id"]
        .map(use[use["band"] == "taalklas"].groupby("school_id")["children"].sum())
        .fillna(0)
        .astype(int)
    )
    by_school["isk_places"] = sc["isk_places"].to_numpy()
    by_school["isk_used"] = (
        by_school["school_id"]
        .map(use[use["band"] == "isk"].groupby("school_id")["children"].sum())
        .fillna(0)
        .astype(int)
    )
    return by, by_school, use
