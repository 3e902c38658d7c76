"""Generate the fictitious Duo+ demo data set (Diemen, Ouder-Amstel, Uithoorn).

Everything written here is invented ("fictief / fictitious demo"): coarse hand-drawn
municipality outlines that lie inside the real municipalities, invented wijken, buurten,
candidate sites, points of interest, constraint areas, flexwoning units, households and
tasks. Only a few published figures set the sizes (see ``data/demo/README.md``). The
script reads no files, so it runs without the real data in ``../shared``.

Usage::

    .venv/bin/python scripts/make_demo.py [--out DIR]

The output is deterministic: the CSV files are identical byte for byte on every run, and
the GeoPackages hold identical tables (their internal timestamps differ).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import Geometry

SEED = 20261122
CRS = "EPSG:28992"
NOTE = "fictief / fictitious demo"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "demo"
Pt = tuple[float, float]

# Coarse outlines (RD New, metres), derived once from the real CBS/Kadaster 2024 municipality
# polygons (inset 100-160 m, simplified to 11-14 vertices, rounded to 10 m) and hard-coded;
# each lies at least 40 m inside the real boundary. Code -> (name, population, outline).
MUNICIPALITIES: dict[str, tuple[str, int, list[Pt]]] = {
    "GM0384": (
        "Diemen",
        31_000,
        [
            (125340, 483460),
            (126570, 485290),
            (128540, 483670),
            (129520, 483950),
            (129720, 484340),
            (130800, 484050),
            (129460, 482720),
            (129580, 481950),
            (128540, 480980),
            (127740, 482600),
            (127040, 482770),
            (126530, 482230),
            (125420, 481890),
            (125070, 482400),
        ],
    ),
    "GM0437": (
        "Ouder-Amstel",
        14_000,
        [
            (119920, 474170),
            (120500, 475540),
            (120460, 476850),
            (122200, 479560),
            (122840, 482510),
            (125040, 483240),
            (123580, 480190),
            (125250, 476970),
            (123360, 477130),
            (123580, 475740),
            (122220, 474100),
        ],
    ),
    "GM0451": (
        "Uithoorn",
        31_000,
        [
            (113400, 471380),
            (112230, 470280),
            (110950, 469910),
            (110400, 469090),
            (109820, 469640),
            (109770, 470000),
            (113180, 472700),
            (112900, 473510),
            (114570, 474790),
            (117220, 473590),
            (118290, 472790),
            (116790, 471630),
            (116040, 471390),
            (114510, 471230),
        ],
    ),
}
# Wijk seeds for a Voronoi split: (invented name, x, y, share of the municipal population).
WIJK_SEEDS: dict[str, list[tuple[str, float, float, float]]] = {
    "GM0384": [
        ("Dijkzicht", 126600, 484600, 0.27),
        ("Spoorhof", 126100, 483700, 0.30),
        ("Zuiderpolder", 125700, 482500, 0.28),
        ("Sniepkwartier", 127400, 483100, 0.12),
        ("Buitenpolder Oost", 129300, 483100, 0.03),
    ],
    "GM0437": [
        ("Duivenhof", 124000, 482700, 0.48),
        ("Holendrechtpolder", 123300, 480800, 0.06),
        ("Amstelzoom", 122300, 478700, 0.42),
        ("Rondehoep", 121400, 475600, 0.04),
    ],
    "GM0451": [
        ("Zijdelhof", 116900, 473000, 0.30),
        ("Legmeerveld", 115200, 473700, 0.30),
        ("Amsteloever", 116600, 472000, 0.25),
        ("Kwakelpolder", 113700, 472200, 0.12),
        ("Veenweide West", 111000, 469900, 0.03),
    ],
}
BUURT_NAMES = [
    "Rietkraag",
    "Molenwerf",
    "Kievitsveld",
    "Lisdodde",
    "Waterhoen",
    "Fluitekruid",
    "Boterbloem",
    "Wilgenhof",
    "Elzenhof",
    "Meidoorn",
    "Vlasakker",
    "Krooshof",
    "Dotterbloem",
    "Zwanenveld",
    "Grutto",
    "Tureluur",
    "Kemphaan",
    "Slobeend",
    "Karekiet",
    "Oeverzegge",
    "Weidehof",
    "Essenhof",
    "Lindeplein",
    "Populierenveld",
    "Hoefblad",
    "Pinksterbloem",
    "Koekoeksbloem",
    "Veldzicht",
    "Polderhof",
    "Sluiswachter",
    "Dijkgraaf",
    "Gemaalkwartier",
    "Kadezicht",
    "Wetering",
    "Tochtsloot",
    "Vaartkant",
    "Zandpad",
    "Veenhof",
    "Turfhaven",
    "Ooievaar",
    "Lepelaar",
    "Zilverreiger",
    "Wulp",
    "Scholekster",
    "Kwartelhof",
    "Dijkhof",
    "Brinkzicht",
    "Zuidhoek",
    "Noordhoek",
    "Ringvaart",
    "Hooiberg",
    "Melkweg",
    "Kaasmakerij",
    "Spaarnehof",
    "Vennehof",
    "Graanhof",
]
STREETS = [
    s + t
    for s in (
        "Wetering",
        "Polder",
        "Molen",
        "Riet",
        "Sluis",
        "Veen",
        "Dijk",
        "Gemaal",
        "Kievit",
        "Zwanen",
        "Tocht",
        "Boezem",
        "Vaart",
        "Linden",
        "Elzen",
        "Wilgen",
        "Essen",
        "Brink",
    )
    for t in ("weg", "laan", "kade", "pad")
]
# Fictitious motorway axes (noise sources) and 380 kV routes.
ROADS: dict[str, list[Pt]] = {
    "A1": [
        (125000, 485700),
        (127000, 485000),
        (128500, 484100),
        (130000, 484400),
        (131500, 484200),
    ],
    "A9": [
        (130900, 484300),
        (129700, 482600),
        (128600, 481200),
        (126500, 480800),
        (124200, 480000),
        (121800, 479700),
        (119500, 479200),
    ],
    "A10": [(123900, 485200), (123750, 483300), (123200, 482300), (121500, 482000)],
}
NOISE = [("A1", 55, 300.0), ("A1", 65, 100.0), ("A9", 55, 300.0), ("A10", 60, 200.0)]
HV_LINES: dict[str, list[Pt]] = {
    "380 kV Diemen-Lelystad (fictief tracé)": [
        (128000, 483300),
        (129600, 483700),
        (130600, 484300),
        (132000, 485500),
    ],
    "380 kV Diemen-Krimpen (fictief tracé)": [
        (128000, 483300),
        (127900, 481800),
        (126200, 480300),
        (124300, 478300),
        (123600, 476000),
    ],
}
HV_ZONE_M = 120.0  # MANIFEST: 0.4 microtesla zone of the 380 kV line, indicative 120 m each side
NATURE: list[tuple[str, str, list[Pt]]] = [
    (
        "Diemerbos (fictief)",
        "Natuurnetwerk Nederland (fictief)",
        [(128900, 482300), (129350, 482250), (129300, 481800), (128800, 481500), (128600, 481950)],
    ),
    (
        "Amstelscheg Rondehoep (fictief)",
        "Bijzonder provinciaal landschap (fictief)",
        [(120900, 475300), (121900, 475000), (122600, 476200), (121800, 477300), (121100, 476700)],
    ),
    (
        "Veenweide De Kwakel (fictief)",
        "Natura 2000 (fictief)",
        [(110300, 469600), (111200, 469700), (112000, 470300), (111500, 470700), (110500, 470100)],
    ),
]
# Flexwoning sites: id, name, municipality, x, y, units, first date, share of units in phase 2.
UNIT_SITES = [
    ("F01", "Diemerdreef (fictief)", "GM0384", 126350.0, 482750.0, 30, "2026-03-01", 0.0),
    ("F02", "Sniepweg-Oost (fictief)", "GM0384", 127250.0, 483150.0, 60, "2026-09-01", 0.3),
    (
        "F03",
        "Duivendrecht Spoorzone (fictief)",
        "GM0437",
        124150.0,
        482650.0,
        70,
        "2026-06-01",
        0.4,
    ),
    ("F04", "Ouderkerk Bullewijk (fictief)", "GM0437", 122950.0, 478350.0, 40, "2027-01-15", 0.0),
    ("F05", "Legmeerdijk (fictief)", "GM0451", 115250.0, 473750.0, 80, "2026-04-01", 0.5),
    ("F06", "Zijdelweg (fictief)", "GM0451", 116850.0, 472650.0, 50, "2027-03-01", 0.0),
]
# Built-up cores for sampling points: municipality -> [(x, y, sigma)].
CORES: dict[str, list[tuple[float, float, float]]] = {
    "GM0384": [(126300, 483900, 600), (125800, 482600, 450), (127100, 483300, 400)],
    "GM0437": [(124000, 482700, 400), (122500, 478800, 450)],
    "GM0451": [(116500, 472800, 600), (115300, 473500, 500), (113600, 471900, 300)],
}
SITE_CORES: dict[str, list[tuple[float, float, float]]] = {
    "GM0384": [(126300, 483900, 700), (125800, 482600, 500), (128600, 483000, 700)],
    "GM0437": [
        (123800, 482400, 500),
        (122600, 478800, 700),
        (123100, 480500, 700),
        (121600, 476500, 900),
    ],
    "GM0451": [(116500, 472800, 700), (114800, 473400, 800), (112600, 471200, 900)],
}
# Special longlist sites so that the hard exclusions have work: (municipality, kind,
# feature, fraction along it, perpendicular offset in m, area in m2, aspect).
SPECIAL_SITES = [
    ("GM0384", "noise", "A1", 0.30, -260.0, 9140.0, 2.0),
    ("GM0384", "noise", "A9", 0.06, -260.0, 13870.0, 1.5),
    ("GM0437", "noise", "A10", 0.56, 180.0, 6230.0, 1.8),
    ("GM0437", "noise", "A9", 0.72, -260.0, 20660.0, 1.6),
    ("GM0384", "hv", "380 kV Diemen-Lelystad (fictief tracé)", 0.20, -60.0, 11820.0, 2.2),
    ("GM0384", "hv", "380 kV Diemen-Krimpen (fictief tracé)", 0.06, 100.0, 8350.0, 1.4),
    ("GM0437", "hv", "380 kV Diemen-Krimpen (fictief tracé)", 0.78, 150.0, 9710.0, 1.2),
    ("GM0437", "nature", "Amstelscheg Rondehoep (fictief)", 0.30, 0.0, 15480.0, 1.3),
    ("GM0451", "nature", "Veenweide De Kwakel (fictief)", 0.70, 0.0, 10930.0, 1.7),
]
SITE_QUOTA = {"GM0384": 20, "GM0437": 12, "GM0451": 12}
SITE_TYPES = {
    "wonen": "Braakliggend terrein",
    "bedrijven": "Bedrijfskavel",
    "groen": "Groenstrook",
    "agrarisch": "Weiland",
    "maatschappelijk": "Voormalige schoollocatie",
    "verkeer": "Parkeerterrein",
}
# Households: type = single adult, couple, one parent + 1-3 children, two (rarely three)
# adults + 1-3 children, or a large family of 6-8 persons.
HOUSEHOLD_TYPES = ["single", "couple", "single_parent", "family", "large"]
GROUP_MIX = {  # group: (households, type probabilities, share of households with work)
    "ontheemden": (105, [0.30, 0.12, 0.33, 0.22, 0.03], 0.45),
    "statushouders": (105, [0.45, 0.08, 0.10, 0.33, 0.04], 0.20),
    "asielzoekers": (30, [0.50, 0.10, 0.10, 0.27, 0.03], 0.0),
    "urgent": (30, [0.40, 0.10, 0.35, 0.15, 0.00], 0.40),
    "starter": (30, [0.70, 0.30, 0.00, 0.00, 0.00], 0.85),
}
# Workplaces (x, y, sigma): Amsterdam centre and Zuidoost, Schiphol, Aalsmeer, Amstelveen,
# business parks in Diemen and Uithoorn.
WORK_HUBS = [
    (121500, 487000, 1200),
    (125300, 480600, 900),
    (112000, 481000, 1500),
    (111500, 475500, 800),
    (118500, 478500, 1000),
    (126600, 482700, 500),
    (117600, 472600, 500),
]


def outline(code: str) -> Geometry:
    """Return the coarse outline polygon of a municipality."""
    return shapely.Polygon(MUNICIPALITIES[code][2])


def iso(start: str, days: np.ndarray) -> list[str]:
    """Return ISO dates ``start + days``."""
    base = dt.date.fromisoformat(start)
    return [(base + dt.timedelta(days=int(d))).isoformat() for d in days]


def sample_points(
    rng: np.random.Generator, area: Geometry, cores: list[tuple[float, float, float]], n: int
) -> np.ndarray:
    """Draw ``n`` points around ``cores`` (Gaussian, per-core sigma) that fall in ``area``.

    Returns
    -------
    numpy.ndarray
        Array of shape (n, 2), RD metres rounded to 1 m.
    """
    c = np.asarray(cores, dtype=float)
    kept = np.empty((0, 2))
    while len(kept) < n:
        pick = c[rng.integers(0, len(c), 8 * n)]
        xy = np.round(pick[:, :2] + rng.normal(size=(8 * n, 2)) * pick[:, 2:3])
        kept = np.vstack([kept, xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]])
    return kept[:n]


def quads(
    cx: np.ndarray,
    cy: np.ndarray,
    w: np.ndarray,
    h: np.ndarray,
    angle: np.ndarray,
    jitter: np.ndarray,
) -> np.ndarray:
    """Build rotated rectangles, optionally with corners jittered into quadrilaterals.

    Parameters
    ----------
    cx, cy : numpy.ndarray
        Centres (m).
    w, h, angle : numpy.ndarray
        Width and height (m) and rotation (radians).
    jitter : numpy.ndarray
        Corner offsets, shape (n, 4, 2), as fractions of the half width/height.
    """
    unit = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    local = (unit + jitter) * np.stack([w / 2, h / 2], axis=1)[:, None, :]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = local[..., 0] * cos - local[..., 1] * sin + cx[:, None]
    y = local[..., 0] * sin + local[..., 1] * cos + cy[:, None]
    return shapely.polygons(np.stack([x, y], axis=-1))


def irregular(rng: np.random.Generator, cx: float, cy: float, area: float) -> Geometry:
    """Build a star-shaped (hence simple) polygon with 5-7 vertices and the given area."""
    k = int(rng.integers(5, 8))
    ang = np.sort(rng.uniform(0, 2 * np.pi, k))
    r = rng.uniform(0.7, 1.0, k)
    poly = shapely.polygons(np.stack([r * np.cos(ang), r * np.sin(ang)], axis=1))
    poly = shapely.affinity.scale(poly, *(2 * [np.sqrt(area / poly.area)]), origin=(0, 0))
    return shapely.affinity.translate(poly, cx, cy)


def make_gemeenten() -> gpd.GeoDataFrame:
    """Municipality outlines with their (rounded, fictitious) population."""
    rows = [
        {"municipality_code": c, "name": n, "population": p, "note": NOTE}
        for c, (n, p, _) in MUNICIPALITIES.items()
    ]
    return gpd.GeoDataFrame(rows, geometry=[outline(c) for c in MUNICIPALITIES], crs=CRS)


def voronoi_cells(seeds: np.ndarray, area: Geometry) -> np.ndarray:
    """Voronoi cells of ``seeds`` (in seed order) clipped to ``area``."""
    coll = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=area, ordered=True)
    return shapely.intersection(shapely.get_parts(coll), area)


def make_wijken() -> gpd.GeoDataFrame:
    """Three to five invented wijken per municipality: Voronoi cells of hand-set seeds."""
    frames = []
    for code, seeds in WIJK_SEEDS.items():
        cells = voronoi_cells(np.array([(x, y) for _, x, y, _ in seeds]), outline(code))
        assert all(shapely.get_type_id(cells) == 3), f"wijk split of {code} is not polygonal"
        frames.append(
            gpd.GeoDataFrame(
                {
                    "wijk_code": [f"WK{code[2:]}{i:02d}" for i in range(1, len(seeds) + 1)],
                    "name": [s[0] for s in seeds],
                    "municipality_code": code,
                    "note": NOTE,
                    "pop_share": [s[3] for s in seeds],
                },
                geometry=cells,
                crs=CRS,
            )
        )
    return pd.concat(frames, ignore_index=True)


def make_buurten(rng: np.random.Generator, wijken: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Two to four buurten per wijk (Voronoi of random seeds), with inhabitants.

    Inhabitants split each wijk's share of the municipal population; existing reception
    places sit at the Diemerdreef flexwoningen (85, MANIFEST), the former HvA building in
    Duivendrecht (100 + 150, MANIFEST) and two invented Uithoorn and Diemen locations.
    """
    names = list(rng.permutation(BUURT_NAMES))
    rows, geoms = [], []
    for w in wijken.itertuples():
        k = int(rng.integers(2, 5))
        while True:  # redraw seeds until every clipped cell is one polygon of some size
            seeds = sample_points(rng, w.geometry, [(*w.geometry.centroid.coords[0], 600)], k)
            cells = voronoi_cells(seeds, w.geometry)
            small = shapely.area(cells) < 0.1 * w.geometry.area / k
            if all(shapely.get_type_id(cells) == 3) and not small.any():
                break
        pop = MUNICIPALITIES[w.municipality_code][1] * w.pop_share
        people = rng.multinomial(round(pop), rng.dirichlet(np.full(k, 3.0)))
        for i in range(k):
            rows.append(
                {
                    "buurt_code": f"BU{w.wijk_code[2:]}{i + 1:02d}",
                    "name": names.pop(),
                    "wijk_code": w.wijk_code,
                    "municipality_code": w.municipality_code,
                    "inhabitants": int(people[i]),
                    "reception_places": 0,
                    "note": NOTE,
                }
            )
            geoms.append(cells[i])
    buurten = gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)
    for (x, y), places in {
        (126350, 482750): 85,
        (124050, 482600): 250,
        (116500, 472500): 48,
        (125950, 483900): 24,
    }.items():
        hit = shapely.contains_xy(buurten.geometry.values, x, y)
        assert hit.sum() == 1, f"reception point {(x, y)} not in exactly one buurt"
        buurten.loc[hit, "reception_places"] += places
    return buurten


def make_constraints() -> dict[str, gpd.GeoDataFrame]:
    """Fictitious noise contours, 380 kV lines with their 120 m zone, and nature areas."""
    roads = {k: shapely.LineString(v) for k, v in ROADS.items()}
    noise = gpd.GeoDataFrame(
        {
            "name": [f"{r} geluidscontour Lden {db} dB (fictief)" for r, db, _ in NOISE],
            "lden_db": [db for _, db, _ in NOISE],
        },
        geometry=shapely.buffer(
            np.array([roads[r] for r, _, _ in NOISE]), np.array([d for _, _, d in NOISE])
        ),
        crs=CRS,
    )
    lines = np.array([shapely.LineString(v) for v in HV_LINES.values()])
    hv_line = gpd.GeoDataFrame({"name": list(HV_LINES), "voltage_kv": 380}, geometry=lines, crs=CRS)
    hv_zone = gpd.GeoDataFrame(
        {"name": [f"{n}: zone 0,4 microtesla, indicatief {HV_ZONE_M:.0f} m" for n in HV_LINES]},
        geometry=shapely.buffer(lines, HV_ZONE_M),
        crs=CRS,
    )
    nature = gpd.GeoDataFrame(
        {"name": [n for n, _, _ in NATURE], "designation": [d for _, d, _ in NATURE]},
        geometry=shapely.polygons([np.asarray(p) for _, _, p in NATURE]),
        crs=CRS,
    )
    return {"noise_contour": noise, "hv_line": hv_line, "hv_zone": hv_zone, "nature": nature}


def make_unit_sites() -> pd.DataFrame:
    """Existing and planned flexwoning sites that hold the unit stock."""
    df = pd.DataFrame(
        [s[:5] for s in UNIT_SITES], columns=["site_id", "name", "municipality_code", "x", "y"]
    )
    inside = [
        outline(m).contains(shapely.Point(x, y))
        for m, x, y in zip(df.municipality_code, df.x, df.y, strict=True)
    ]
    assert all(inside), "a unit site lies outside its municipality"
    return df


def special_sites(constraints: dict[str, gpd.GeoDataFrame]) -> list[tuple[str, Geometry, str]]:
    """Place the sites that each break one hard rule (noise, 380 kV zone, nature)."""
    features = {
        **{k: shapely.LineString(v) for k, v in ROADS.items()},
        **{k: shapely.LineString(v) for k, v in HV_LINES.items()},
        **{n: shapely.Polygon(p).exterior for n, _, p in NATURE},
    }
    targets = {
        "noise": constraints["noise_contour"].union_all(),
        "hv": constraints["hv_zone"].union_all(),
        "nature": constraints["nature"].union_all(),
    }
    out = []
    for code, kind, feat, frac, offset, area, aspect in SPECIAL_SITES:
        line = features[feat]
        if offset:
            line = shapely.offset_curve(line, offset)
        a, b = shapely.line_interpolate_point(line, [frac, frac + 0.01], normalized=True)
        angle = np.arctan2(b.y - a.y, b.x - a.x)
        w = np.sqrt(area * aspect)
        geom = quads(
            np.array([a.x]),
            np.array([a.y]),
            np.array([w]),
            np.array([area / w]),
            np.array([angle]),
            np.zeros((1, 4, 2)),
        )[0]
        assert geom.within(outline(code)), f"special {kind} site on {feat} leaves {code}"
        assert geom.intersects(targets[kind]), f"special {kind} site misses {feat}"
        others = [t for k, t in targets.items() if k != kind]
        assert not any(geom.intersects(t) for t in others), f"{kind} site on {feat} breaks 2 rules"
        out.append((code, geom, kind))
    return out


def random_sites(rng: np.random.Generator, code: str, n: int, blocked: Geometry) -> list[Geometry]:
    """Draw ``n`` non-overlapping candidate polygons in a municipality, clear of ``blocked``."""
    area_ok = shapely.buffer(outline(code), -20.0)
    accepted: list[Geometry] = []
    while len(accepted) < n:
        m = 4 * n
        xy = sample_points(rng, area_ok, SITE_CORES[code], m)
        area = np.exp(rng.uniform(np.log(1800), np.log(30000), m))
        aspect = rng.uniform(1.0, 2.5, m)
        w = np.sqrt(area * aspect)
        angle = np.where(rng.random(m) < 0.5, rng.uniform(0, np.pi, m), 0.0)
        jitter = rng.uniform(-0.12, 0.12, (m, 4, 2)) * (rng.random(m) < 0.3)[:, None, None]
        geoms = quads(xy[:, 0], xy[:, 1], w, area / w, angle, jitter)
        odd = rng.random(m) < 0.22
        geoms[odd] = [irregular(rng, x, y, a) for (x, y), a in zip(xy[odd], area[odd], strict=True)]
        ok = shapely.within(geoms, area_ok) & ~shapely.intersects(geoms, blocked)
        for g in geoms[ok]:
            if len(accepted) < n and not any(shapely.dwithin(g, accepted, 40.0)):
                accepted.append(g)
    return accepted


def make_longlist(
    rng: np.random.Generator, constraints: dict[str, gpd.GeoDataFrame], unit_sites: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Candidate sites (polygons) with owner, zoning, availability and cost.

    Nine placed sites each break one hard rule (noise contour, 380 kV zone, nature area) and
    three others become available only after 2028-06-30; the rest are clear of all of these.
    """
    specials = special_sites(constraints)
    blocked = shapely.union_all(
        [
            constraints["noise_contour"].union_all(),
            constraints["hv_zone"].buffer(150).union_all(),
            constraints["nature"].buffer(50).union_all(),
            *shapely.buffer(shapely.points(unit_sites[["x", "y"]].to_numpy()), 150.0),
            *[shapely.buffer(g, 40.0) for _, g, _ in specials],
        ]
    )
    codes, geoms, kinds = (list(col) for col in zip(*specials, strict=True))
    for code, quota in SITE_QUOTA.items():
        k = quota - codes.count(code)
        codes += [code] * k
        geoms += random_sites(rng, code, k, blocked)
        kinds += [""] * k
    gdf = gpd.GeoDataFrame({"municipality_code": codes, "kind": kinds}, geometry=geoms, crs=CRS)
    cen = gdf.geometry.centroid
    gdf = (
        gdf.assign(cy=-cen.y.round(), cx=cen.x.round())
        .sort_values(["municipality_code", "cy", "cx"], kind="stable")
        .reset_index(drop=True)
    )
    n = len(gdf)
    gdf.insert(0, "site_id", [f"S{i:03d}" for i in range(1, n + 1)])
    gdf["owner"] = rng.choice(
        ["gemeente", "rijk", "provincie", "corporatie", "particulier"],
        n,
        p=[0.38, 0.08, 0.08, 0.2, 0.26],
    )
    gdf["zoning"] = zoning = rng.choice(list(SITE_TYPES), n, p=[0.18, 0.2, 0.2, 0.2, 0.12, 0.1])
    gdf["zoning_change_needed"] = (zoning != "wonen") & ~(
        (zoning == "maatschappelijk") & (rng.random(n) < 0.5)
    )
    late = np.zeros(n, dtype=bool)
    for code in SITE_QUOTA:  # one late site per municipality among the clean ones
        late[rng.choice(np.flatnonzero((gdf.municipality_code == code) & (gdf.kind == "")))] = True
    days = np.where(late, rng.integers(912, 1460, n), rng.integers(0, 911, n))
    gdf["available_from"] = iso("2026-01-01", days)  # day 911 = 2028-06-30
    area = gdf.geometry.area.to_numpy()
    cost = (
        rng.uniform(30, 110, n) * area
        + 250_000 * gdf.zoning_change_needed
        + rng.normal(300_000, 120_000, n)
    )
    gdf["cost_estimate_eur"] = np.clip(cost, 200_000, 4_000_000).round(-3)
    gdf["area_m2"] = area.round()
    streets = rng.permutation(STREETS)[:n]
    gdf["name"] = [f"{SITE_TYPES[z]} {s} (fictief)" for z, s in zip(zoning, streets, strict=True)]
    gdf.loc[int(rng.integers(0, n)), "name"] = 'Terrein "De Hoek" & Zn (fictief)'
    pool = np.array(
        [
            "Bodemonderzoek nodig",
            "Tijdelijke vergunning max. 15 jaar",
            "Ontsluiting via bestaande weg",
            "Eigenaar in gesprek",
            "Archeologisch verwachtingsgebied",
            "Kabels en leidingen in de grond",
        ]
    )
    gdf["notes"] = np.where(rng.random(n) < 0.4, rng.choice(pool, n), "")
    gdf.loc[late, "notes"] = "Pas beschikbaar na sloop bestaande opstal"
    cols = [
        "site_id",
        "name",
        "municipality_code",
        "owner",
        "zoning",
        "zoning_change_needed",
        "available_from",
        "cost_estimate_eur",
        "area_m2",
        "notes",
        "geometry",
    ]
    return gdf[cols]


def make_pois(rng: np.random.Generator, nature: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Stations, bus stops, schools (with newcomer-education places), GPs, supermarkets."""
    counts = {
        "bus_stop": (24, 14, 22),
        "primary_school": (9, 5, 8),
        "secondary_school": (2, 0, 2),
        "gp": (6, 3, 5),
        "supermarket": (7, 3, 6),
    }
    schools = iter(
        [
            "Regenboog",
            "Kameleon",
            "Vlieger",
            "Klimop",
            "Zonnewijzer",
            "Windroos",
            "Ark",
            "Springplank",
            "Horizon",
            "Kompas",
            "Toverfluit",
            "Wereldster",
            "Piramide",
            "Brug",
            "Sterrenkijker",
            "Ontdekking",
            "Linde",
            "Meander",
            "Waterlelie",
            "Boomgaard",
            "Vuurtoren",
            "Duizendpoot",
        ]
    )
    colleges = iter(
        ["Amstelland College", "Lyceum De Polder", "College Zijdelmeer", "Vakcollege Legmeer"]
    )
    names = {"primary_school": schools, "secondary_school": colleges}
    streets = iter(list(rng.permutation(STREETS)) * 2)
    prefix = {
        "bus_stop": "Bushalte ",
        "primary_school": "Basisschool De ",
        "secondary_school": "",
        "gp": "Huisartsenpraktijk ",
        "supermarket": "Supermarkt ",
    }
    rows = [
        ("station", "Station Diemen", "GM0384", 126450, 484350),
        ("station", "Station Diemen-Zuid", "GM0384", 125650, 482550),
        ("station", "Station Duivendrecht", "GM0437", 124000, 482800),
        ("station", "Busstation Ouderkerk aan de Amstel", "GM0437", 122500, 478950),
        ("station", "Tram- en busstation Uithoorn", "GM0451", 116700, 472350),
    ]
    nat = nature.union_all()  # points avoid the nature areas
    for cat, per in counts.items():
        for code, k in zip(MUNICIPALITIES, per, strict=True):
            xy = sample_points(rng, shapely.difference(outline(code), nat), CORES[code], k)
            rows += [(cat, prefix[cat] + next(names.get(cat, streets)), code, x, y) for x, y in xy]
    df = pd.DataFrame(rows, columns=["category", "name", "municipality_code", "x", "y"])
    df["name"] = df["name"] + " (fictief)"
    df.insert(0, "poi_id", [f"P{i:04d}" for i in range(1, len(df) + 1)])
    # Newcomer education: the first school of a kind in a municipality gets the places.
    first = ~df.duplicated(["category", "municipality_code"])
    taalklas = {"GM0384": 16, "GM0437": 10, "GM0451": 14}
    isk = {"GM0384": 15, "GM0451": 10}
    df["taalklas_places"] = np.where(
        first & (df.category == "primary_school"), df.municipality_code.map(taalklas).fillna(0), 0
    ).astype(int)
    df["isk_places"] = np.where(
        first & (df.category == "secondary_school"), df.municipality_code.map(isk).fillna(0), 0
    ).astype(int)
    geom = shapely.points(df[["x", "y"]].to_numpy(dtype=float))
    return gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=geom, crs=CRS)


def make_units(rng: np.random.Generator) -> pd.DataFrame:
    """Flexwoning units per site: bedrooms, beds, accessibility, floor, date, rent, area.

    Diemerdreef has exactly 30 units with room for the 85 people of MANIFEST.
    """
    frames = []
    beds_by_rooms = {0: (1, 1), 1: (2, 2), 2: (3, 4), 3: (5, 6), 4: (6, 8)}
    area_by_rooms = {0: (20, 26), 1: (26, 34), 2: (34, 42), 3: (42, 48), 4: (47, 50)}
    for sid, _, _, _, _, n, start, phase2 in UNIT_SITES:
        p = [0.0, 0.2, 0.5, 0.2, 0.1] if sid == "F01" else [0.15, 0.32, 0.28, 0.15, 0.10]
        rooms = np.sort(rng.choice(5, n, p=p))
        lo, hi = np.array([beds_by_rooms[r] for r in rooms]).T
        beds = rng.integers(lo, hi + 1)
        alo, ahi = np.array([area_by_rooms[r] for r in rooms]).T
        area = rng.uniform(alo, ahi).round(1)
        floor = rng.choice(3, n, p=[0.5, 0.35, 0.15])
        r = rng.random(n)
        accessible = ((floor == 0) & (r < 0.18)) | ((floor == 1) & (r < 0.02))
        days = np.where(rng.random(n) < phase2, 183, 0)
        rent = np.clip(450 + 500 * (area - 20) / 30 + rng.normal(0, 30, n), 450, 950).round(2)
        frames.append(
            pd.DataFrame(
                {
                    "site_id": sid,
                    "bedrooms": rooms,
                    "beds": beds,
                    "accessible": accessible.astype(int),
                    "floor": floor,
                    "available_from": iso(start, days),
                    "rent_eur": rent,
                    "area_m2": area,
                }
            )
        )
    units = pd.concat(frames, ignore_index=True)
    units.insert(0, "unit_id", [f"U{i:04d}" for i in range(1, len(units) + 1)])
    assert units.loc[units.site_id == "F01", "beds"].sum() >= 85
    return units


def make_households(
    rng: np.random.Generator, units: pd.DataFrame, pois: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Pseudonymous households: group, composition, needs, school, work, preferences.

    ``current_unit`` is set for 20 ontheemden households living in the Diemerdreef units,
    who must move when spoor 2 relocates the flexwoningen.
    """
    group = rng.permutation(np.repeat(list(GROUP_MIX), [g[0] for g in GROUP_MIX.values()]))
    n = len(group)
    htype = np.array([rng.choice(HOUSEHOLD_TYPES, p=GROUP_MIX[g][1]) for g in group])
    adults = np.select(
        [htype == "couple", htype == "family", htype == "large"],
        [2, 2 + (rng.random(n) < 0.1), rng.integers(2, 4, n)],
        1,
    )
    kids = np.select(
        [htype == "single_parent", htype == "family", htype == "large"],
        [rng.integers(1, 4, n), rng.integers(1, 4, n), rng.integers(6, 9, n) - adults],
        0,
    )
    ages = rng.multinomial(kids, [0.22, 0.48, 0.30])
    df = pd.DataFrame(
        {
            "household_id": [f"H{i:04d}" for i in range(1, n + 1)],
            "group": group,
            "persons": adults + kids,
            "adults": adults,
            "children_0_3": ages[:, 0],
            "children_4_11": ages[:, 1],
            "children_12_17": ages[:, 2],
        }
    )
    wheel = rng.random(n) < 0.03
    df["needs_wheelchair"] = wheel.astype(int)
    df["needs_ground_floor"] = (wheel | (rng.random(n) < 0.04)).astype(int)
    df["needs_medical"] = (rng.random(n) < 0.05).astype(int)
    # Current school: a school from pois; newcomers lean to the newcomer-education schools.
    newcomer = np.isin(group, ["ontheemden", "statushouders", "asielzoekers"])
    prim = pois[pois.category == "primary_school"]
    sec = pois[pois.category == "secondary_school"]
    school = np.full((n, 2), np.nan)
    for i in np.flatnonzero(ages[:, 1] + ages[:, 2] > 0):
        pool = prim if ages[i, 1] > 0 else sec
        places = pool.taalklas_places if ages[i, 1] > 0 else pool.isk_places
        # newcomers sometimes attend a school with newcomer places; others never do
        share = 0.3 if ages[i, 1] > 0 else 0.6
        pool = pool[places > 0] if newcomer[i] and rng.random() < share else pool[places == 0]
        pt = pool.geometry.iloc[int(rng.integers(0, len(pool)))]
        school[i] = pt.x, pt.y
    df["school_x"], df["school_y"] = school[:, 0], school[:, 1]
    hubs = np.array(WORK_HUBS, dtype=float)
    works = rng.random(n) < np.array([GROUP_MIX[g][2] for g in group])
    hub = hubs[rng.integers(0, len(hubs), n)]
    work = np.round(hub[:, :2] + rng.normal(size=(n, 2)) * hub[:, 2:3])
    df["work_x"], df["work_y"] = np.where(works[:, None], work, np.nan).T
    site_ids = np.array([s[0] for s in UNIT_SITES])
    pref = [
        ";".join(sorted(rng.choice(site_ids, int(rng.integers(1, 3)), replace=False)))
        if rng.random() < 0.12
        else ""
        for _ in range(n)
    ]
    refused = [
        rng.choice(np.setdiff1d(site_ids, p.split(";"))) if rng.random() < 0.05 else ""
        for p in pref
    ]
    df["preferred_sites"], df["refused_sites"] = pref, refused
    df["arrival_date"] = iso("2026-01-01", rng.integers(0, 365, n))
    df["current_unit"] = ""
    # Twenty ontheemden households without special needs live at Diemerdreef now.
    movers = rng.choice(
        np.flatnonzero((group == "ontheemden") & (df.persons <= 6) & (df.needs_ground_floor == 0)),
        20,
        replace=False,
    )
    free = units[units.site_id == "F01"].sort_values("beds", kind="stable")
    for i in sorted(movers, key=lambda i: -df.persons[i]):
        fit = free[free.beds >= df.persons[i]]
        assert len(fit), "no Diemerdreef unit fits a current household"
        df.loc[i, "current_unit"] = fit.unit_id.iloc[0]
        free = free.drop(fit.index[0])
    return df


def check_feasible(households: pd.DataFrame, units: pd.DataFrame) -> None:
    """Assert aggregate feasibility: the k-th largest household fits the k-th largest unit."""
    persons = np.sort(households.persons.to_numpy())[::-1]
    beds = np.sort(units.beds.to_numpy())[::-1]
    assert len(beds) >= len(persons) and (beds[: len(persons)] >= persons).all(), "too few beds"
    assert units.accessible.sum() >= households.needs_wheelchair.sum(), "too few accessible"
    assert (units.floor == 0).sum() >= households.needs_ground_floor.sum(), "too few ground floor"


def make_tasks() -> pd.DataFrame:
    """Tasks per municipality and group for 2026 (persons or places)."""
    spread = {
        "GM0384": (175, "Spreidingswet indicatief (MANIFEST)"),
        "GM0437": (90, "fictief, naar rato van inwoners"),
        "GM0451": (190, "Spreidingswet indicatief, circa (MANIFEST)"),
    }
    displaced = {
        "GM0384": (200, "ruim 200 ontheemden in Diemen (MANIFEST)"),
        "GM0437": (100, "100 ontheemden in voormalig HvA-gebouw (MANIFEST)"),
        "GM0451": (150, "fictief"),
    }
    rows = []
    for code, (name, pop, _) in MUNICIPALITIES.items():
        statushouders = (round(pop / 1000 * 1.5), "fictief: 1,5 per 1.000 inwoners")
        rows += [
            (code, name, "asielzoekers", "2026", *spread[code]),
            (code, name, "statushouders", "2026", *statushouders),
            (code, name, "ontheemden", "2026", *displaced[code]),
        ]
    return pd.DataFrame(
        rows,
        columns=["municipality_code", "municipality_name", "group", "period", "task", "source"],
    )


def make_service_tables(pois: gpd.GeoDataFrame) -> dict[str, pd.DataFrame]:
    """Providers (newcomer classes, ISK, GPs, youth care) and candidate temporary facilities.

    Derived from the fictitious POIs: the schools with taalklas or ISK places offer them;
    each GP practice can take 120-240 more registrations; one youth-care provider per
    municipality with a few places for unaccompanied minors. The newcomer-class places are
    fewer than the shortlist's children need, so the demo shows the bottleneck.
    """
    pts = pois.geometry
    rows = []
    for i, r in pois.iterrows():
        x, y = round(pts[i].x, 1), round(pts[i].y, 1)
        if r["taalklas_places"] > 0:
            rows.append(
                (
                    f"TK-{r['poi_id']}",
                    f"Taalklas {r['name']}",
                    "taalklas",
                    x,
                    y,
                    int(r["taalklas_places"]),
                    r["municipality_code"],
                )
            )
        if r["isk_places"] > 0:
            rows.append(
                (
                    f"ISK-{r['poi_id']}",
                    f"ISK {r['name']}",
                    "isk",
                    x,
                    y,
                    int(r["isk_places"]),
                    r["municipality_code"],
                )
            )
        if r["category"] == "gp":
            cap = 120 + 30 * (int(r["poi_id"][1:]) % 5)
            rows.append((f"GP-{r['poi_id']}", r["name"], "gp", x, y, cap, r["municipality_code"]))
    for code, (x, y) in {
        "GM0384": (125_600.0, 483_400.0),
        "GM0437": (124_000.0, 478_500.0),
        "GM0451": (115_800.0, 468_900.0),
    }.items():
        rows.append((f"JZ-{code}", f"Jeugdzorg {code} (fictief)", "youth_care", x, y, 4, code))
    providers = pd.DataFrame(
        rows, columns=["provider_id", "name", "type", "x", "y", "capacity", "area"]
    )
    facilities = pd.DataFrame(
        [
            (
                "TV-1",
                "Tijdelijke onderwijsvoorziening Diemen (fictief)",
                "taalklas",
                125_300.0,
                484_300.0,
                30,
            ),
            (
                "TV-2",
                "Tijdelijke onderwijsvoorziening Uithoorn (fictief)",
                "taalklas",
                115_500.0,
                469_300.0,
                30,
            ),
        ],
        columns=["facility_id", "name", "type", "x", "y", "capacity"],
    )
    return {"providers": providers, "facilities": facilities}


def make_planning_tables() -> dict[str, pd.DataFrame]:
    """The planning demo (fictitious): stock, a relocation site and tasks per half-year.

    The 30 flexwoningen with 85 ontheemden stand at "Bergwijkdreef (fictief)" with a permit
    ending 2026-12-31; "Diemerdreef (fictief)" can take them from 2027 (MANIFEST: the real
    units move from Bergwijkdreef to Diemerdreef for at least 10 years), with room for 20
    more. Tasks per half-year 2026-2035: asielzoekers per two-year Spreidingswet cycle from
    1 January 2025 (Diemen 175, Uithoorn 190 in the first cycle, MANIFEST; Ouder-Amstel 90
    invented), +5 % per later cycle (invented); statushouders half of the yearly figure of
    tasks.csv per half-year, +1 per half-year (invented); ontheemden as in tasks.csv until
    2027-H1 (temporary protection), then falling by a fifth per half-year to a floor of 30 %
    (invented).
    """
    stock = pd.DataFrame(
        [["B01", "Bergwijkdreef (fictief)", "GM0384", 30, 85, "ontheemden", "2026-12-31", 30,
          126950.0, 483400.0]],
        columns=["site_id", "name", "municipality_code", "units", "occupants", "group",
                 "permit_end", "max_units", "x", "y"],
    )  # fmt: skip
    candidates = pd.DataFrame(
        [["F01", "Diemerdreef (fictief)", "GM0384", "2026-07-01", 50, 6, 15, 10,
          "ontheemden;statushouders", 126350.0, 482750.0]],
        columns=["site_id", "name", "municipality_code", "available_from", "max_units",
                 "lead_time_months", "permit_years", "block_units", "groups", "x", "y"],
    )  # fmt: skip
    azc = {"GM0384": 175, "GM0437": 90, "GM0451": 190}
    sh = {"GM0384": 23, "GM0437": 11, "GM0451": 23}
    ot = {"GM0384": 200, "GM0437": 100, "GM0451": 150}
    rows = []
    for t in range(20):
        period = f"{2026 + t // 2}-H{t % 2 + 1}"
        cycle = (t + 2) // 4  # cycles start 2025-01-01: 2026 is the second half of cycle 0
        for code in azc:
            rows.append([period, code, "asielzoekers", round(azc[code] * 1.05**cycle)])
            rows.append([period, code, "statushouders", sh[code] + t])
            fall = max(0.3, 1 - 0.2 * max(0, t - 2))
            rows.append([period, code, "ontheemden", round(ot[code] * fall)])
    tasks = pd.DataFrame(rows, columns=["period", "municipality_code", "group", "task"])
    return {"planning_stock": stock, "planning_candidates": candidates, "planning_tasks": tasks}


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write ``layers`` into a fresh GeoPackage at ``path``, labelled as fictitious."""
    path.unlink(missing_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(
            path,
            layer=name,
            driver="GPKG",
            layer_options={"DESCRIPTION": f"{name}: {NOTE} (seed {SEED})"},
        )


def build(out: Path) -> None:
    """Generate every layer and table and write them into ``out``."""
    rng = np.random.default_rng(SEED)
    gemeenten = make_gemeenten()
    wijken = make_wijken()
    buurten = make_buurten(rng, wijken)
    constraints = make_constraints()
    unit_sites = make_unit_sites()
    longlist = make_longlist(rng, constraints, unit_sites)
    pois = make_pois(rng, constraints["nature"])
    units = make_units(rng)
    households = make_households(rng, units, pois)
    check_feasible(households, units)
    out.mkdir(parents=True, exist_ok=True)
    write_gpkg(
        out / "boundaries.gpkg",
        {"gemeenten": gemeenten, "wijken": wijken.drop(columns="pop_share"), "buurten": buurten},
    )
    write_gpkg(out / "longlist.gpkg", {"longlist": longlist})
    write_gpkg(out / "pois.gpkg", {"pois": pois})
    write_gpkg(out / "constraints.gpkg", constraints)
    tables = {
        "unit_sites": unit_sites,
        "units": units,
        "households": households,
        "tasks": make_tasks(),
        **make_service_tables(pois),
        **make_planning_tables(),
    }
    for name, df in tables.items():  # UTF-8, Unix line ends: identical bytes on every run
        df.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    build(args.out)
    print(f"wrote fictitious demo data (seed {SEED}) to {args.out}")


if __name__ == "__main__":
    main()
