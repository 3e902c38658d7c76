"""Build the shortlist's services rule from the services section and the providers table."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np

from opvang_opt.io.services import ServicesTables
from opvang_opt.schema.services import ServicesConfig
from opvang_opt.services.instance import reach_arcs, residents_demand, shortlist_residents
from opvang_opt.services.stage import build_providers
from opvang_opt.siting.services_rule import ServicesRule


def shortlist_rule(
    config: ServicesConfig, tables: ServicesTables
) -> Callable[[gpd.GeoDataFrame], ServicesRule]:
    """A builder of the services rule for the siting stage.

    Per site and type, the children it brings when chosen: its places x the groups' shares
    (``site_groups``) x the age profile, all new on arrival (the first period of a site,
    when the need is highest). Per provider, its places today plus, with
    ``siting_rule.with_expansions``, every allowed added group and every candidate
    facility.
    """
    rule_cfg = config.siting_rule
    months = config.periods.period_months

    def build(sites: gpd.GeoDataFrame) -> ServicesRule:
        places = sites["capacity_places"].fillna(0).astype(np.int64).to_numpy()
        residents = shortlist_residents(places, config.site_groups, 1)
        profiles = {p.group: p for p in config.age_profiles}
        prov = build_providers(config, tables, months)
        pts = sites.geometry.representative_point()
        sx, sy = pts.x.to_numpy(float), pts.y.to_numpy(float)
        extra = prov.max_extra * prov.group_size if rule_cfg.with_expansions else 0
        cap = np.where(prov.facility, prov.capacity if rule_cfg.with_expansions else 0,
                       prov.capacity + extra).astype(np.int64)  # fmt: skip
        need: dict[str, np.ndarray] = {}
        places_by: dict[str, np.ndarray] = {}
        pairs: dict[str, np.ndarray] = {}
        for kind in rule_cfg.types:
            duration = max(config.types[kind].duration_months, 1)
            need[kind] = residents_demand(
                residents, profiles, kind, period_months=months, duration_months=duration
            )[:, 0]
            arcs = reach_arcs(sx, sy, prov, kind)
            pairs[kind] = np.column_stack([arcs.site, arcs.provider]).astype(np.int64)
            places_by[kind] = cap
        return ServicesRule(need, places_by, pairs)

    return build
