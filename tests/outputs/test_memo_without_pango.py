"""A machine without Pango still gets its results: raadsbijlage.html is written, the PDF
is skipped with a warning that says what to install, and run.json records it.

The run happens in a subprocess whose Python cannot use WeasyPrint, in two honest ways
(a ``sitecustomize`` on ``PYTHONPATH``, loaded before anything else):

- ``no_pango``: the dynamic loader "cannot find" any Pango library. cffi's ``dlopen`` is
  wrapped to raise the ``OSError`` that a missing shared object gives, so WeasyPrint's own
  import runs and fails exactly as on a fresh machine without ``libpango-1.0-0``;
- ``no_weasyprint``: the package itself cannot be imported (``ModuleNotFoundError``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.outputs.conftest import pdf_missing

ROOT = Path(__file__).resolve().parents[2]

NO_PANGO = textwrap.dedent(
    """
    import cffi.api

    _dlopen = cffi.api.FFI.dlopen

    def dlopen(self, name, *args, **kwargs):
        if name is not None and "pango" in str(name).lower():
            raise OSError(
                f"cannot load library '{name}': {name}: cannot open shared object file: "
                "No such file or directory"
            )
        return _dlopen(self, name, *args, **kwargs)

    cffi.api.FFI.dlopen = dlopen
    """
)

NO_WEASYPRINT = textwrap.dedent(
    """
    import sys

    class _Hide:
        def find_spec(self, name, path=None, target=None):
            if name == "weasyprint" or name.startswith("weasyprint."):
                raise ModuleNotFoundError(f"No module named '{name}'", name=name)
            return None

    sys.meta_path.insert(0, _Hide())
    """
)


def _env(shim: Path) -> dict[str, str]:
    env = dict(os.environ)
    parts = [str(shim), str(ROOT / "src"), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in parts if p)
    env["COLUMNS"] = "400"  # one message, one line
    return env


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "lang", "says"),
    [
        ("no_pango", "nl", "raadsbijlage.pdf is niet gemaakt"),
        ("no_weasyprint", "en", "raadsbijlage.pdf was not made"),
    ],
)
def test_run_without_pango_writes_the_html_and_says_what_to_install(
    tiny, tmp_path: Path, how: str, lang: str, says: str
) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(NO_PANGO if how == "no_pango" else NO_WEASYPRINT)
    env = _env(shim)
    # the shim really takes WeasyPrint away in that interpreter
    probe = subprocess.run(
        [sys.executable, "-c", "import weasyprint"], env=env, capture_output=True, text=True
    )
    assert probe.returncode != 0
    assert (
        ("pango" in probe.stderr.lower())
        if how == "no_pango"
        else ("No module named 'weasyprint'" in probe.stderr)
    )

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "opvang_opt.cli", "run", str(tiny["path"]), "--out", str(out),
           "--lang", lang]  # fmt: skip
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    stderr = " ".join(res.stderr.split())

    assert (out / "raadsbijlage.html").is_file()
    assert not (out / "raadsbijlage.pdf").exists()
    html = (out / "raadsbijlage.html").read_text(encoding="utf-8")
    assert ("Wat stellen we voor?" if lang == "nl" else "What do we propose?") in html
    for other in ("map.html", "map.png", "map.pdf", "report.html", "results.xlsx"):
        assert (out / other).is_file(), other

    # a stage warning in the chosen language, with what to install and the alternative
    stage = "Resultaten schrijven" if lang == "nl" else "Writing results"
    assert f"! {stage}: {says}" in stderr, res.stderr
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in stderr
    assert ("browser" in stderr) and ("PDF" in stderr)
    # WeasyPrint's own English banner on standard output is swallowed
    assert "WeasyPrint could not import" not in res.stdout

    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["outputs"]["memo_pdf"] is False
    assert info["outputs"]["memo_pdf_engine"] is None
    [warning] = info["outputs"]["warnings"]
    assert says in warning and "libpangoft2-1.0-0" in warning
    if how == "no_pango":
        assert "libpango" in warning  # the loader's own reason is passed on
    assert "raadsbijlage.pdf" not in info["files"]
    assert "raadsbijlage.html" in info["files"]


def test_run_json_records_the_pdf_when_it_is_made(council_dir: Path) -> None:
    info = json.loads((council_dir / "run.json").read_text(encoding="utf-8"))
    if not (council_dir / "raadsbijlage.pdf").exists():
        pdf_missing(info["outputs"]["warnings"])
    assert info["outputs"] == {
        "memo_pdf": True,
        "memo_pdf_engine": "WeasyPrint",
        "background": None,
        "warnings": [],
    }
    assert "raadsbijlage.pdf" in info["files"]
