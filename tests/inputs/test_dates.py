"""One date policy (issue 11): ISO and Dutch day-first, never month-first, never guessed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opvang_opt.dates import parse_dates


def test_ambiguous_dutch_date_is_day_first_like_the_unambiguous_one():
    dates, errors = parse_dates(pd.Series(["10-06-2026", "31-12-2026", "1-7-2028"]))
    assert not errors
    assert dates.tolist() == [dt.date(2026, 6, 10), dt.date(2026, 12, 31), dt.date(2028, 7, 1)]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2028-06-31", "impossible"),
        ("31-06-2028", "impossible"),
        ("29-02-2027", "impossible"),
        ("06/30/2028", "impossible"),  # month-first is never guessed: month 30 does not exist
        ("medio 2028", "not a date"),
        ("Q3 2028", "not a date"),
        ("30-06-28", "two-digit year"),
    ],
)
def test_unreadable_dates_are_refused_with_what_to_write(text, why):
    dates, errors = parse_dates(pd.Series(["2028-01-01", text]))
    assert [e.position for e in errors] == [1]
    assert why in str(errors[0].message) and "YYYY-MM-DD" in str(errors[0].message)
    assert dates.iloc[1] is None


def test_declared_format_reads_a_month_first_file():
    dates, errors = parse_dates(pd.Series(["06/10/2026"]), "%m/%d/%Y")
    assert not errors and dates.iloc[0] == dt.date(2026, 6, 10)
    _, errors = parse_dates(pd.Series(["2026-06-10"]), "%m/%d/%Y")
    assert errors and "declared format" in str(errors[0].message)


def test_real_dates_missing_values_and_iso_with_time():
    s = pd.Series(
        [dt.date(2026, 1, 2), pd.Timestamp("2026-03-04"), None, "", "2026-05-06T00:00:00"]
    )
    dates, errors = parse_dates(s)
    assert not errors
    assert dates.tolist() == [dt.date(2026, 1, 2), dt.date(2026, 3, 4), None, None,
                              dt.date(2026, 5, 6)]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["-", "/", "."]), st.booleans())  # fmt: skip
def test_every_written_form_of_a_date_reads_back_as_that_date(d, sep, pad):
    day = f"{d.day:02d}" if pad else str(d.day)
    month = f"{d.month:02d}" if pad else str(d.month)
    forms = [d.isoformat(), f"{day}{sep}{month}{sep}{d.year}"]
    dates, errors = parse_dates(pd.Series(forms))
    assert not errors
    assert dates.tolist() == [d, d]


def test_a_declared_month_first_format_is_read_by_every_stage(tmp_path):
    """``date_formats`` on a layer: the column is read by it (it was accepted and ignored)."""
    import geopandas as gpd
    from shapely.geometry import box

    from opvang_opt.io.layers import read_layer
    from opvang_opt.schema import LayerSource
    from opvang_opt.siting.exclusions import parse_dates as longlist_dates

    gdf = gpd.GeoDataFrame(
        {"site_id": ["A", "B"], "available_from": ["06/10/2026", "12/31/2026"]},
        geometry=[box(123_000, 484_000, 123_100, 484_100), box(123_200, 484_000, 123_300, 484_100)],
        crs="EPSG:28992",
    )
    path = tmp_path / "sites.gpkg"
    gdf.to_file(path, layer="longlist", driver="GPKG")
    src = LayerSource(path=path, id_column="site_id", date_formats={"available_from": "%m/%d/%Y"})
    read, _ = read_layer(src, "longlist", ["available_from"])
    dates = longlist_dates(read, "available_from", "site_id", str(path))
    assert dates.tolist() == [dt.date(2026, 6, 10), dt.date(2026, 12, 31)]


def test_a_dutch_excel_datetime_is_read_day_first_without_its_time():
    # Excel writes a date cell as '10-6-2026 00:00' in a Dutch locale's CSV export
    dates, errors = parse_dates(pd.Series(["10-6-2026 00:00", "31-12-2026 0:00:00"]))
    assert not errors
    assert dates.tolist() == [dt.date(2026, 6, 10), dt.date(2026, 12, 31)]
    _, errors = parse_dates(pd.Series(["10-6-2026 25"]))
    assert errors and "not a date" in str(errors[0].message)


def test_allocation_files_may_declare_a_month_first_date_format(tmp_path):
    """``allocation.inputs.date_formats``: households and units read by the declared
    format give the same arrival and availability dates as the ISO files."""
    import shutil
    from pathlib import Path

    from opvang_opt.io import load

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "scenarios", tmp_path / "scenarios")
    shutil.copytree(root / "data" / "demo", tmp_path / "data" / "demo")
    demo = tmp_path / "data" / "demo"
    scenario = tmp_path / "scenarios" / "demo.yaml"
    _, iso = load(scenario)
    for name, col in (("households.csv", "arrival_date"), ("units.csv", "available_from")):
        df = pd.read_csv(demo / name, dtype=str, keep_default_na=False)
        df[col] = [dt.date.fromisoformat(v).strftime("%m/%d/%Y") if v else "" for v in df[col]]
        df.to_csv(demo / name, index=False)
    text = scenario.read_text(encoding="utf-8")
    old = "    sites: ../data/demo/unit_sites.csv\n"
    assert old in text
    scenario.write_text(
        text.replace(
            old,
            old + '    date_formats: {arrival_date: "%m/%d/%Y", available_from: "%m/%d/%Y"}\n',
        ),
        encoding="utf-8",
    )
    _, declared = load(scenario)
    a, b = iso.allocation_data.tables, declared.allocation_data.tables
    assert (a.households["arrival_date"] == b.households["arrival_date"]).all()
    assert (a.units["available_from"] == b.units["available_from"]).all()
    # a month-first date the policy would read day-first is among them (a real test)
    days = pd.to_datetime(a.households["arrival_date"]).dt.date
    assert any(d.day <= 12 and d.day != d.month for d in days)


def test_allocation_date_formats_must_name_an_allocation_date_column():
    from opvang_opt.schema.allocation import AllocationInputs

    with pytest.raises(ValueError, match="no date column 'arival_date'"):
        AllocationInputs.model_validate(
            {"households": "h.csv", "date_formats": {"arival_date": "%m/%d/%Y"}}
        )


def test_an_excel_date_number_is_refused_with_the_date_it_stands_for():
    # 45658 is Excel's number for 1 January 2025 (days since 30 December 1899)
    _, errors = parse_dates(pd.Series(["45658", "2025-01-01"]))
    assert [e.position for e in errors] == [0]
    assert "Excel's number for 2025-01-01" in str(errors[0].message)
    assert "Format the cells as dates" in str(errors[0].message)
    # a five-digit number outside 2000-2099 is just not a date
    (_, (e,)) = parse_dates(pd.Series(["12345"]))
    assert "Excel" not in str(e.message)
