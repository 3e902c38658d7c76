"""longlist_scored.gpkg is a GeoPackage 1.2 that GDAL 3.6 (older QGIS LTR) opens quietly."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest


def test_gpkg_header_says_version_1_2(council_dir: Path) -> None:
    head = (council_dir / "longlist_scored.gpkg").read_bytes()[:100]
    assert head.startswith(b"SQLite format 3\x00")
    # SQLite header: user_version at byte 60, application_id at byte 68 (big endian);
    # GeoPackage 1.2 is application_id 'GPKG' and user_version 10200 (OGC 12-128r15, 1.1.1)
    assert head[68:72] == b"GPKG"
    assert struct.unpack(">I", head[60:64])[0] == 10200


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_ogrinfo_opens_without_warning(council_dir: Path) -> None:
    done = subprocess.run(
        ["ogrinfo", "-so", "-al", str(council_dir / "longlist_scored.gpkg")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr + done.stdout, done.stderr
    assert "longlist_scored" in done.stdout
    assert "unit_layout" in done.stdout
