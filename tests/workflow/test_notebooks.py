"""Notebooks 01 (shortlist) and 02 (toewijzing): committed without outputs, run top to bottom."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = {
    "01_shortlist.ipynb": ("Shortlist:", "text/html"),
    "02_toewijzing.ipynb": ("Status: optimal", "Geplaatst: optimalisatie"),
}


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_committed_without_outputs(name):
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), "commit the notebook without outputs"
            assert cell.get("execution_count") is None


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_runs_top_to_bottom(name, monkeypatch):
    import nbclient
    import nbformat

    path = ROOT / "notebooks" / name
    # executed in memory from the notebooks folder (as a user opens it); the file is not changed
    paths = [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # Jupyter's inline backend: figures as PNG
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )  # fmt: skip
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "\n".join(o.get("text", "") for o in outputs)
    mimes = {m for o in outputs for m in o.get("data", {})}
    assert "image/png" in mimes  # the matplotlib figures
    first, second = NOTEBOOKS[name]
    assert first in text
    assert second in text or second in mimes  # 01: the folium map is displayed as HTML
