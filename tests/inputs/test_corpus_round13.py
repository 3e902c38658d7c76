"""Round thirteen of the bad-input corpus of issue 11, each case through the CLI on a copy of
the demo, in the default language (Dutch): exit 2, one message naming the file, the row or
id and the field, every problem at once, no traceback and nothing written.

New here (not in the earlier ``test_corpus*`` files):

- a site given as a point with an area of 0 m² or less in ``capacity.area_column``: 0 m²
  was accepted (0 units, without a word), a negative area was 'must be 0 or more, got
  np.float64(-3.0)' (NumPy's repr, not the number written); a plot with an area of 0 m²
  stated beside it: accepted; a known capacity of 12.5 units (floored to 12) or ``1.000``
  in a text field (read as 1): accepted;
- points of interest given as lines or mixed collections: accepted (a station 'at' a
  line); as areas (a school's grounds, as OSM and BGT give them): the siting measured to
  the polygon's edge, the allocation to a point inside it, without a word;
- wijken or buurten that overlap each other (a wijk pasted over its neighbour): a site in
  the overlap lay in both; a layer of wijken without any feature: every site silently in
  no wijk (the per-zone maximum held nothing);
- a blank row between a workbook's records: 'id is empty' (the CSV reader skips a blank
  line);
- a longlist's own municipality written otherwise than the scenario (``ouder amstel``,
  ``OUDER-AMSTEL``, ``Oudér Amstel``): the memo and the planning each mapped it, neither
  with a hyphen or a space of difference (the site was left out of the plan);
- a provider's stated area that is not the municipality its point lies in: read and never
  compared;
- yes/no cells of the households as a Dutch form writes them: ``N`` was no, ``J`` refused;
  ``1.0`` (a float export) refused; a refused value did not say what to write;
- a planning task of a municipality written by its name or a short code (``Diemen``,
  ``gm384``): 'unknown municipality' without the code meant; a unit site stating its own
  municipality by name: warned as stating another;
- a path from a shell's home folder (``~/data/households.csv``): a folder '~' beside the
  scenario, 'file does not exist';
- a buurt's count as CBS writes a secret or unknown value (``-99997``): a negative number
  of reception places made the buurt's load negative, better than none, without a word.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from tests.inputs.demo_edit import DEMO, ROOT, edit_scenario, edit_table, refused
from tests.inputs.test_corpus_round12 import _workbook


def _layer(demo: Path, file: str, layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(demo / DEMO / file, layer=layer)


def _write(demo: Path, gdf: gpd.GeoDataFrame, file: str, layer: str) -> None:
    pyogrio.write_dataframe(gdf, demo / DEMO / file, layer=layer, driver="GPKG")


def _load(scenario: Path):
    from opvang_opt.io import load

    return load(scenario)


# --------------------------------------------------------------------------- site areas


def case_sites_with_an_area_of_zero_or_below(demo):
    edit_scenario(
        demo,
        "    density_units_per_ha: 30",
        "    area_column: area_m2\n    density_units_per_ha: 30",
    )
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    assert list(gdf["site_id"].iloc[:4]) == ["S001", "S002", "S003", "S004"]
    # plots: their own area counts, but 0 or -50 m2 stated beside them is no area
    gdf.loc[0, "area_m2"] = 0.0
    gdf.loc[1, "area_m2"] = -50.0
    measured = [f"{g.area:,.0f}".replace(",", ".") for g in gdf.geometry.iloc[:2]]
    gdf.loc[2, "geometry"] = gdf.geometry.iloc[2].centroid
    gdf.loc[2, "area_m2"] = 0.0
    gdf.loc[3, "geometry"] = gdf.geometry.iloc[3].centroid
    gdf.loc[3, "area_m2"] = -3.0
    _write(demo, gdf, "longlist.gpkg", "longlist")
    plot = "(en die telt): laat de cel leeg, of vul de oppervlakte van het terrein in"
    zero = (
        "m² is geen terrein: een locatie die als punt is gegeven krijgt haar plaatsen uit deze "
        "oppervlakte; vul de oppervlakte van het terrein in m² in (meer dan 0), of laat de "
        "locatie weg"
    )
    return [
        "longlist.gpkg, id S001 (rij 1), area_m2: een oppervlakte van 0 m², maar de kavel meet "
        f"{measured[0]} m² {plot}",
        "longlist.gpkg, id S002 (rij 2), area_m2: een oppervlakte van -50 m², maar de kavel meet "
        f"{measured[1]} m² {plot}",
        f"longlist.gpkg, id S003 (rij 3), area_m2: een oppervlakte van 0 {zero}",
        f"longlist.gpkg, id S004 (rij 4), area_m2: een oppervlakte van -3 {zero}",
        "De invoer heeft 4 problemen",
    ]


# --------------------------------------------------------------------------- points of interest


def case_points_of_interest_as_a_line_and_a_collection(demo):
    gdf = _layer(demo, "pois.gpkg", "pois")
    assert list(gdf["poi_id"].iloc[:2]) == ["P0001", "P0002"]
    p = gdf.geometry.iloc[0]
    gdf.loc[0, "geometry"] = shapely.LineString([(p.x, p.y), (p.x + 50, p.y)])
    q = gdf.geometry.iloc[1]
    gdf.loc[1, "geometry"] = shapely.GeometryCollection([q, q.buffer(10).exterior])
    _write(demo, gdf, "pois.gpkg", "pois")
    used = (
        "laag 'pois' (gebruikt als siting.criteria[station].layer, "
        "siting.criteria[ov_halte].layer, siting.criteria[basisschool].layer, "
        "siting.criteria[huisarts].layer, siting.criteria[supermarkten].layer, "
        "allocation.inputs.pois_layer) heeft punten nodig (een gebouw of terrein als vlak mag "
        "ook); geef dit object als punt, of laat het weg"
    )
    return [
        f"pois.gpkg, id P0001 (rij 1), geometry: een LineString is geen plek: {used}",
        f"pois.gpkg, id P0002 (rij 2), geometry: een GeometryCollection is geen plek: {used}",
        "De invoer heeft 2 problemen",
    ]


def test_points_of_interest_given_as_areas_are_measured_from_a_point_inside_each(demo):
    """A station and a school drawn as their grounds: each becomes the point inside it that
    shapely's ``point_on_surface`` gives (the point the allocation measured to before), for
    the siting's criteria as for the allocation, and the reader is told which."""
    from opvang_opt.texts import render

    gdf = _layer(demo, "pois.gpkg", "pois")
    school = gdf.index[gdf["category"] == "primary_school"][0]
    ident = str(gdf.loc[school, "poi_id"])
    grounds = {
        "P0001": shapely.box(*gdf.geometry.iloc[0].buffer(40).bounds),
        ident: gdf.geometry.loc[school].buffer(30),
    }
    for k, area in zip((0, school), grounds.values(), strict=True):
        gdf.loc[k, "geometry"] = area
    _write(demo, gdf, "pois.gpkg", "pois")
    _, inputs = _load(demo / "scenarios" / "demo.yaml")
    got = inputs.layers["pois"].set_index("poi_id").geometry
    for poi, area in grounds.items():
        assert got[poi].geom_type == "Point"
        assert got[poi].equals_exact(shapely.point_on_surface(area), 1e-6)
        assert area.contains(got[poi])
    said = [render(w, "nl") for w in inputs.warnings]
    assert [w for w in said if "als vlak" in w] == [
        f"{demo / DEMO / 'pois.gpkg'}, laag 'pois': 2 punten van 121 gegeven als vlak (P0001, "
        f"{ident}): gemeten vanaf een punt binnen elk vlak, zoals de toewijzing een locatie "
        "meet; geef die punten zelf als u een ander punt bedoelt (de ingang, het midden)"
    ]


# --------------------------------------------------------------------------- areas


def case_wijken_that_overlap_and_a_sliver_between_buurten(demo):
    wijken = _layer(demo, "boundaries.gpkg", "wijken")
    assert list(wijken["wijk_code"].iloc[:2]) == ["WK038401", "WK038402"]
    first = wijken.geometry.iloc[0]
    # WK038402 drawn over most of WK038401 (100 m inside its edge)
    wijken.loc[1, "geometry"] = wijken.geometry.iloc[1].union(first.buffer(-100))
    _write(demo, wijken, "boundaries.gpkg", "wijken")
    both = shapely.intersection(first, wijken.geometry.iloc[1])
    share = both.area / min(first.area, wijken.geometry.iloc[1].area)
    m2 = f"{both.area:,.0f}".replace(",", ".")
    # a buurt 30 cm wider all round: slivers along its borders, no overlap of buurten
    buurten = _layer(demo, "boundaries.gpkg", "buurten")
    buurten.loc[1, "geometry"] = buurten.geometry.iloc[1].buffer(0.3)
    _write(demo, buurten, "boundaries.gpkg", "buurten")
    return [
        "boundaries.gpkg, laag 'wijken', geometry: vlakken WK038401 en WK038402 van laag "
        "'wijken' (gebruikt als region.districts, siting.shortlist.zone_layer) overlappen "
        f"elkaar over {m2} m² ({share:.0%} van het kleinste): een locatie in de overlap ligt "
        "in beide; herstel de grenzen zodat elk punt in één vlak ligt (of laat het dubbele "
        "vlak weg)",
        "De invoer heeft 1 probleem",  # the buurt's slivers are borders
    ]


def case_wijken_layer_without_features(demo):
    wijken = _layer(demo, "boundaries.gpkg", "wijken")
    _write(demo, wijken.iloc[:0], "boundaries.gpkg", "wijken")
    return [
        "boundaries.gpkg, laag 'wijken': laag 'wijken' (gebruikt als region.districts, "
        "siting.shortlist.zone_layer) heeft geen objecten: geen locatie zou in een van zijn "
        "vlakken liggen",
        "De invoer heeft 1 probleem",
    ]


def case_yes_no_that_is_neither_says_what_to_write(demo):
    def edit(df: pd.DataFrame) -> None:
        df.loc[df["household_id"] == "H0008", "needs_ground_floor"] = "X"

    edit_table(demo, "households.csv", edit)
    return [
        "households.csv, huishouden H0008, needs_ground_floor: geen true/false (waar/onwaar): "
        "'X'; schrijf ja of nee (ook goed: j/n, 1/0, true/false, waar/onwaar; leeg is nee)",
        "De invoer heeft 1 probleem",
    ]


def case_planning_tasks_naming_a_municipality_by_name_or_a_short_code(demo):
    def edit(df: pd.DataFrame) -> None:
        assert list(df.loc[:2, "municipality_code"]) == ["GM0384"] * 3
        df.loc[0, "municipality_code"] = "Diemen"
        df.loc[1, "municipality_code"] = "gm384"
        df.loc[2, "municipality_code"] = "Ouder Amstel"  # not this row's: the code meant

    edit_table(demo, "planning_tasks.csv", edit)
    return [
        "planning_tasks.csv, rij 2, municipality_code: onbekende gemeente 'Diemen' (bedoelde u "
        "'GM0384'?)",
        "planning_tasks.csv, rij 3, municipality_code: onbekende gemeente 'gm384' (bedoelde u "
        "'GM0384'?)",
        "planning_tasks.csv, rij 4, municipality_code: onbekende gemeente 'Ouder Amstel' "
        "(bedoelde u 'GM0437'?)",
        "De invoer heeft 3 problemen",
    ]


def case_allocations_own_schools_file_with_a_line(demo):
    gdf = _layer(demo, "pois.gpkg", "pois")
    school = gdf.index[gdf["category"] == "primary_school"][0]
    ident = str(gdf.loc[school, "poi_id"])
    p = gdf.geometry.loc[school]
    gdf.loc[school, "geometry"] = shapely.LineString([(p.x, p.y), (p.x, p.y + 80)])
    _write(demo, gdf, "schools.gpkg", "pois")
    edit_scenario(
        demo,
        "    pois_layer: pois ",
        "    pois: ../data/demo/schools.gpkg\n    pois_layer: pois ",
    )
    return [
        f"schools.gpkg, id {ident} (rij {school + 1}), geometry: een LineString is geen plek: "
        "laag 'pois' (gebruikt als allocation.inputs.pois) heeft punten nodig",
        "De invoer heeft 1 probleem",
    ]


def case_path_from_a_shells_home_folder(demo):
    edit_scenario(
        demo,
        "    households: ../data/demo/households.csv",
        "    households: ~/data/demo/households.csv",
    )
    home = Path.home() / "data" / "demo" / "households.csv"
    return [
        "demo.yaml, allocation.inputs.households: '~/data/demo/households.csv' begint met ~, de "
        "thuismap zoals een shell die schrijft; een scenario leest ~ niet zo (het zou een map "
        "'~' naast het scenariobestand zijn): noem het bestand relatief aan het "
        f"scenariobestand, met / tussen de mappen, of voluit ({home}) (regel 158)",
    ]


def _known_units(demo: Path, values: dict[int, str]) -> None:
    """A text column ``known_units`` (as a GeoPackage field of text) named as the
    longlist's known capacity, ``values`` in its first rows, 30 elsewhere."""
    edit_scenario(
        demo,
        "    density_units_per_ha: 30",
        "    column: known_units\n    density_units_per_ha: 30",
    )
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    gdf["known_units"] = ["30"] * len(gdf)
    for k, v in values.items():
        gdf.loc[k, "known_units"] = v
    _write(demo, gdf, "longlist.gpkg", "longlist")


def case_known_capacity_not_a_whole_number_of_units(demo):
    _known_units(demo, {0: "12.5", 1: "7.25"})
    said = "is geen heel aantal woningen: schrijf een geheel getal"
    return [
        f"longlist.gpkg, id S001 (rij 1), known_units: '12.5' {said}",
        f"longlist.gpkg, id S002 (rij 2), known_units: '7.25' {said}",
        "De invoer heeft 2 problemen",
    ]


def case_known_capacity_with_a_thousands_point(demo):
    _known_units(demo, {1: "1.000"})
    return [
        "longlist.gpkg, id S002 (rij 2), known_units: '1.000' staat als tekst in de laag en kan "
        "twee dingen betekenen: met een decimale punt 1, met een duizendtalpunt 1000",
        "De invoer heeft 1 probleem",
    ]


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_round13_bad_input_exits_2_naming_file_row_field_and_writes_nothing(demo, case):
    refused(demo, case(demo), lang=None)


# --------------------------------------------------------------------------- workbooks


@pytest.fixture(scope="module")
def clean():
    """The clean demo's scenario and inputs, as read by the input pass."""
    return _load(ROOT / "scenarios" / "demo.yaml")


def test_blank_rows_between_a_workbooks_records_read_as_the_clean_csv(demo, clean):
    """Three blank rows among the households of a workbook (one, then two together), as a
    CSV's blank lines: skipped, the same households (was 'id is empty' three times)."""

    def edit(columns, ws) -> None:
        ws.insert_rows(5)
        ws.insert_rows(10, 2)

    _workbook(demo, "households.csv", edit)
    _, inputs = _load(demo / "scenarios" / "demo.yaml")
    got = inputs.allocation_data.tables.households
    want = clean[1].allocation_data.tables.households
    assert len(got) == 300
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False
    )


# --------------------------------------------------------------------------- stated municipality

REGION = [("GM0384", "Diemen"), ("GM0437", "Ouder-Amstel"), ("GM0451", "Uithoorn")]


@pytest.mark.parametrize(
    ("stated", "code"),
    [
        ("Ouder-Amstel", "GM0437"),
        ("ouder-amstel", "GM0437"),
        ("Ouder Amstel", "GM0437"),
        ("OUDER  AMSTEL ", "GM0437"),
        ("Oudér-Amstel", "GM0437"),
        ("OuderAmstel", "GM0437"),
        ("437", "GM0437"),
        ("gm0451", "GM0451"),
        ("Amstelveen", None),  # a neighbour outside the region
        ("Ouder", None),  # a part of a name is no name
        ("", None),
    ],
)
def test_memo_and_planning_map_a_stated_municipality_alike(stated, code):
    """A site in no municipality of the region (kept under ``region.outside: warn``) counts
    for the municipality its longlist states: the planning's and the memo's reading are
    one, whatever the case, spaces, hyphens or accents of the name."""
    from opvang_opt.outputs.memo import _site_place
    from opvang_opt.planning.build import _municipality_of

    row = {"municipality_code": "", "municipality": "", "municipality_stated": stated}
    assert (_municipality_of(row, REGION, None) or None) == code
    region = SimpleNamespace(municipalities=[SimpleNamespace(code=c, name=n) for c, n in REGION])
    result = SimpleNamespace(scenario=SimpleNamespace(region=region))
    said = _site_place(pd.Series(row), result, None, "nl")["municipality"]
    if code is None:
        assert (said or "").startswith(stated.strip()) and "Ouder-Amstel" not in (said or "")
    else:
        assert said.startswith(dict(REGION)[code]), said


# --------------------------------------------------------------------------- providers


def test_a_providers_stated_area_is_compared_with_where_it_lies(demo):
    """Each provider's ``area`` against the municipality its point lies in (the demo's
    providers.csv: TK-P0066 lies in Diemen, TK-P0075 in Ouder-Amstel, TK-P0080 in
    Uithoorn, ISK-P0088 in Diemen): a code of another municipality, an unknown code or a
    misspelt name is warned of, a name in lower case is no mismatch."""
    from opvang_opt.texts import render

    providers = pd.read_csv(demo / DEMO / "providers.csv", dtype=str)
    gemeenten = _layer(demo, "boundaries.gpkg", "gemeenten")
    for k, code in enumerate(["GM0384", "GM0437", "GM0451", "GM0384"]):
        point = shapely.Point(float(providers.loc[k, "x"]), float(providers.loc[k, "y"]))
        inside = gemeenten[gemeenten.contains(point)]["municipality_code"].tolist()
        assert inside == [code], (providers.loc[k, "provider_id"], inside)

    def edit(df: pd.DataFrame) -> None:
        df.loc[0, "area"] = "GM0437"
        df.loc[1, "area"] = "GM9999"
        df.loc[2, "area"] = "Uithorn"
        df.loc[3, "area"] = "diemen"

    edit_table(demo, "providers.csv", edit)
    _, inputs = _load(demo / "scenarios" / "demo.yaml")
    label = demo / DEMO / "providers.csv"
    said = [render(w, "nl") for w in inputs.warnings if "providers.csv" in render(w, "nl")]
    assert said == [
        f"{label}, id TK-P0066, area: noemt gemeente 'GM0437', maar het punt ligt in Diemen "
        "(GM0384)",
        f"{label}, id TK-P0075, area: noemt gemeente 'GM9999', maar het punt ligt in "
        "Ouder-Amstel (GM0437)",
        f"{label}, id TK-P0080, area: noemt gemeente 'Uithorn', maar het punt ligt in "
        "Uithoorn (GM0451)",
    ]


# --------------------------------------------------------------------------- yes and no


def test_yes_and_no_as_a_dutch_form_and_a_float_export_write_them(demo):
    """J and N (a Dutch form's ja/nee: N was no, J was refused), and 1.0/0.0 (a column
    exported as floats): each the yes or no it says."""
    said = {"H0001": "J", "H0002": "N", "H0003": "j", "H0004": "1.0", "H0005": "0.0"}
    meant = {"H0001": True, "H0002": False, "H0003": True, "H0004": True, "H0005": False}

    def edit(df: pd.DataFrame) -> None:
        for ident, value in said.items():
            df.loc[df["household_id"] == ident, "needs_ground_floor"] = value

    edit_table(demo, "households.csv", edit)
    _, inputs = _load(demo / "scenarios" / "demo.yaml")
    hh = inputs.allocation_data.tables.households.set_index("household_id")
    assert {k: bool(hh.loc[k, "needs_ground_floor"]) for k in said} == meant


def test_unit_sites_stating_their_municipality_by_name(demo):
    """A unit site's ``municipality_code`` written as the municipality's name, in any case
    or with a space for the hyphen, is no mismatch (each was 'states municipality
    \'Diemen\', but the point lies in Diemen'); another municipality's name still is."""
    from opvang_opt.texts import render

    sites = pd.read_csv(demo / DEMO / "unit_sites.csv", dtype=str)
    gemeenten = _layer(demo, "boundaries.gpkg", "gemeenten")
    for k in range(3):
        point = shapely.Point(float(sites.loc[k, "x"]), float(sites.loc[k, "y"]))
        inside = gemeenten[gemeenten.contains(point)]["municipality_code"].tolist()
        assert inside == [sites.loc[k, "municipality_code"]]
    assert list(sites.loc[:2, "municipality_code"]) == ["GM0384", "GM0384", "GM0437"]

    def edit(df: pd.DataFrame) -> None:
        df.loc[0, "municipality_code"] = "Diemen"
        df.loc[1, "municipality_code"] = "Uithoorn"
        df.loc[2, "municipality_code"] = "ouder amstel"

    edit_table(demo, "unit_sites.csv", edit)
    _, inputs = _load(demo / "scenarios" / "demo.yaml")
    said = [render(w, "nl") for w in inputs.warnings if "unit_sites.csv" in render(w, "nl")]
    assert said == [
        f"{demo / DEMO / 'unit_sites.csv'}, id {sites.loc[1, 'site_id']}, municipality_code: "
        "noemt gemeente 'Uithoorn', maar het punt ligt in Diemen (GM0384)"
    ]


# --------------------------------------------------------------------------- CBS's secret values


def test_cbs_negative_codes_count_as_unknown_as_an_empty_cell_does():
    """CBS writes a secret or unknown count as -99997 (or -99995): the reception load of a
    buurt with it is that of the same buurt with the cell empty (0 places, 1 inhabitant),
    by hand: 0, 10 / 1 x 1000, 5 / 1000 x 1000 (-3 places gave a load below zero)."""
    from opvang_opt.siting.criteria import reception_load

    squares = [shapely.box(k * 100, 0, k * 100 + 100, 100) for k in range(3)]
    sites = [shapely.box(k * 100 + 10, 10, k * 100 + 60, 60) for k in range(3)]

    def load(places: list[object], inhabitants: list[object]) -> list[float]:
        buurten = gpd.GeoDataFrame(
            {"p": places, "i": inhabitants}, geometry=squares, crs="EPSG:28992"
        )
        return reception_load(shapely.from_wkt([s.wkt for s in sites]), buurten, "p", "i").tolist()

    assert load([-99997, 10, 5], [1000, -99997, 1000]) == [0.0, 10_000.0, 5.0]
    assert load([None, 10, 5], [1000, None, 1000]) == [0.0, 10_000.0, 5.0]
    assert load([-3, 10, 5], [1000, -5, 1000]) == [0.0, 10_000.0, 5.0]


def test_cbs_negative_codes_in_the_buurten_are_said(demo):
    buurten = _layer(demo, "boundaries.gpkg", "buurten")
    buurten.loc[2, "reception_places"] = -99997
    buurten.loc[1, "inhabitants"] = -99995
    _write(demo, buurten, "boundaries.gpkg", "buurten")
    from opvang_opt.texts import render

    _, inputs = _load(demo / "scenarios" / "demo.yaml")
    said = [render(w, "nl") for w in inputs.warnings if "negatief" in render(w, "nl")]
    file = demo / DEMO / "boundaries.gpkg"
    known = "zo schrijft het CBS een geheim of onbekend getal: geteld als onbekend"
    assert said == [
        f"{file}, laag 'buurten', reception_places: 1 vlak met een negatief getal "
        f"({buurten.loc[2, 'buurt_code']} (-99997)); {known}, zoals een lege cel (0 plaatsen, "
        "1 inwoner)",
        f"{file}, laag 'buurten', inhabitants: 1 vlak met een negatief getal "
        f"({buurten.loc[1, 'buurt_code']} (-99995)); {known}, zoals een lege cel (0 plaatsen, "
        "1 inwoner)",
    ]
