"""CSV files as municipalities produce them (issue 11): Dutch Excel exports, encodings, BOM."""

from __future__ import annotations

import pytest

from opvang_opt.errors import DataError
from opvang_opt.io.layers import read_layer, read_table
from opvang_opt.schema import LayerSource

DUTCH = (
    "site_id;naam;x;y;kosten\r\n"
    "S1;Zuidpunt;124.500,5;484000;1.250.000,50\r\n"
    "S2;Oost;125000;484.100,25;900000\r\n"
)


def _write(tmp_path, text, encoding="utf-8"):
    p = tmp_path / "sites.csv"
    p.write_bytes(text.encode(encoding))
    return p


def test_dutch_excel_export_without_declaration_says_what_to_declare(tmp_path):
    p = _write(tmp_path, DUTCH)
    with pytest.raises(DataError) as err:
        read_table(LayerSource(path=p, id_column="site_id"), "longlist")
    text = str(err.value)
    assert "Dutch Excel export" in text and 'separator: ";"' in text and 'decimal: ","' in text
    assert "line 1" in text and "sites.csv" in text


def test_declared_dutch_csv_reads_numbers_exactly(tmp_path):
    p = _write(tmp_path, DUTCH)
    src = LayerSource(path=p, id_column="site_id", separator=";", decimal=",",
                      x_column="x", y_column="y", crs="EPSG:28992")  # fmt: skip
    gdf, _ = read_layer(src, "longlist", ["kosten"])
    assert gdf["kosten"].tolist() == [1250000.5, 900000.0]
    assert gdf.geometry.x.tolist() == [124500.5, 125000.0]
    assert gdf.geometry.y.tolist() == [484000.0, 484100.25]
    assert gdf["site_id"].tolist() == ["S1", "S2"]


def test_windows_1252_file_gets_a_hint_with_its_line(tmp_path):
    p = _write(tmp_path, "site_id,naam\nS1,Ouder-Amstel\nS2,Café Zuid\n", "cp1252")
    with pytest.raises(DataError) as err:
        read_table(LayerSource(path=p, id_column="site_id"), "longlist")
    text = str(err.value)
    assert "line 3" in text and "encoding: cp1252" in text
    df, _ = read_table(LayerSource(path=p, id_column="site_id", encoding="cp1252"), "longlist")
    assert df["naam"].tolist() == ["Ouder-Amstel", "Café Zuid"]


def test_bom_and_windows_line_endings_are_accepted(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes("\ufeffsite_id,naam\r\nS1,Zuid\r\nS2,Noord\r\n".encode())
    df, _ = read_table(LayerSource(path=p, id_column="site_id"), "longlist")
    assert list(df.columns) == ["site_id", "naam"] and df["naam"].tolist() == ["Zuid", "Noord"]


def test_ragged_row_names_its_line(tmp_path):
    p = _write(tmp_path, "site_id,naam,oppervlakte\nS1,Zuid,2.5\nS2,Noord,2,5\n")
    with pytest.raises(DataError) as err:
        read_table(LayerSource(path=p, id_column="site_id"), "longlist")
    text = str(err.value)
    assert "line 3" in text and "4 fields" in text and "decimal comma" in text


def test_unknown_encoding_is_a_scenario_error():
    with pytest.raises(ValueError, match="unknown encoding"):
        LayerSource(path="x.csv", encoding="klingon-8")


@pytest.mark.parametrize(("section", "table"), [("allocation", "inputs"), ("planning", "tasks")])
def test_unknown_encoding_of_any_csv_table_names_its_field(section, table):
    """Every CSV table's declared encoding is checked (the allocation inputs' was not)."""
    from pathlib import Path

    from opvang_opt.errors import ScenarioError
    from opvang_opt.schema import load_raw, validate_scenario

    raw = load_raw(Path(__file__).resolve().parents[2] / "scenarios" / "demo.yaml")
    raw[section][table]["encoding"] = "klingon-8"
    with pytest.raises(ScenarioError) as err:
        validate_scenario(raw)
    found = [(p.field, p.text("en")) for p in err.value.problems]
    assert (f"{section}.{table}.encoding", "unknown encoding 'klingon-8'") in [
        (f, m.split(" (got")[0]) for f, m in found
    ], found
