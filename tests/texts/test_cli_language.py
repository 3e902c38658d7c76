"""The CLI speaks Dutch by default (like the outputs) and English with ``--lang en``."""

from __future__ import annotations

from typer.testing import CliRunner

from opvang_opt.cli import app

runner = CliRunner()


def cli(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_run_speaks_dutch_by_default_and_english_on_request(tiny) -> None:
    nl = cli("run", tiny["path"], "--out", tiny["dir"] / "nl")
    assert nl.exit_code == 0, nl.output
    assert "Kaart:" in nl.stdout and "Resultaten:" in nl.stdout and "locaties" in nl.stdout
    assert "Alle invoer lezen en controleren" in nl.stderr and "Map:" not in nl.stdout
    en = cli("run", tiny["path"], "--out", tiny["dir"] / "en", "--lang", "en")
    assert en.exit_code == 0, en.output
    # one site (A) on the shortlist: "1 site", not "1 sites"
    assert "Map:" in en.stdout and "Results:" in en.stdout and "Shortlist: 1 site, " in en.stdout
    assert "Reading and checking every input" in en.stderr and "Kaart:" not in en.stdout


def test_validate_in_both_languages(tiny) -> None:
    assert "geldig scenario 'tiny'" in cli("validate", tiny["path"]).stdout
    assert "valid scenario 'tiny'" in cli("validate", tiny["path"], "--lang", "en").stdout


def test_errors_keep_their_form_in_both_languages(tiny) -> None:
    missing = tiny["dir"] / "missing.yaml"
    nl = cli("validate", missing)
    en = cli("validate", missing, "--lang", "en")
    assert nl.exit_code == en.exit_code == 2
    assert nl.stderr.startswith("Fout: ") and en.stderr.startswith("Error: ")
    # the problem lines keep their form ("file, row, field: what"): the same place in both,
    # what is wrong in the user's language
    nl_lines, en_lines = nl.stderr.splitlines()[1:], en.stderr.splitlines()[1:]
    assert [x.rpartition(": ")[0] for x in nl_lines] == [x.rpartition(": ")[0] for x in en_lines]
    assert nl_lines[0].endswith(": bestand bestaat niet")
    assert en_lines[0].endswith(": file does not exist")


def test_internal_error_in_dutch(tiny, monkeypatch) -> None:
    from opvang_opt import pipeline

    def boom(*_a, **_k):
        raise RuntimeError("kapot")

    monkeypatch.setattr(pipeline, "run_siting", boom)
    res = cli("run", tiny["path"], "--out", tiny["dir"] / "results")
    assert res.exit_code == 1
    assert "Interne fout: RuntimeError: kapot" in res.stderr and "meld het" in res.stderr


def test_compare_speaks_the_page_language(tiny) -> None:
    nl = cli("compare", tiny["path"], tiny["path"], "--out", tiny["dir"] / "c-nl")
    en = cli("compare", tiny["path"], tiny["path"], "--out", tiny["dir"] / "c-en", "--lang", "en")
    assert nl.exit_code == en.exit_code == 0, nl.output + en.output
    assert "2 scenario's vergeleken" in nl.stdout and "Pagina:" in nl.stdout
    assert "Compared 2 scenarios" in en.stdout and "0 site(s) change status" in en.stdout
    assert '<html lang="en">' in (tiny["dir"] / "c-en" / "compare.html").read_text()
