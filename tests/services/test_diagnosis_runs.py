"""The services diagnosis names a shortfall that repeats over consecutive periods once,
with its period range, so that the run's summary stays readable."""

from __future__ import annotations

from types import SimpleNamespace

from opvang_opt.services.solve import AreaShortfall, diagnose
from opvang_opt.texts import render

PERIODS = ("2026-H1", "2026-H2", "2027-H1", "2027-H2", "2028-H1")


def _texts(remaining: list[AreaShortfall], lang: str = "nl") -> list[str]:
    inst = SimpleNamespace(periods=PERIODS)
    d = diagnose(inst, {}, tuple(remaining), expanded=True)  # type: ignore[arg-type]
    return [render(s.message, lang) for s in d.shortfalls]


def test_consecutive_equal_shortfalls_are_one_line_with_their_range() -> None:
    isk = [AreaShortfall("isk", p, "GM0384", 43, 13) for p in PERIODS[:4]]
    care = [AreaShortfall("youth_care", p, "GM0384", 13, 1) for p in PERIODS[:2]]
    texts = _texts(isk + care)
    assert len(texts) == 2
    assert texts[0].startswith("2026-H1 t/m 2027-H2, GM0384: 13 van 43 ISK")
    assert texts[1].startswith("2026-H1 t/m 2026-H2, GM0384: 1 van 13 ")
    en = _texts(isk, "en")
    assert en == [
        "2026-H1 to 2027-H2, GM0384: 13 of 43 ISK places cannot be placed within reach, "
        "even with every allowed expansion"
    ]


def test_a_gap_a_changed_number_or_another_area_starts_a_new_line() -> None:
    rows = [
        AreaShortfall("isk", "2026-H1", "GM0384", 43, 13),
        AreaShortfall("isk", "2026-H2", "GM0384", 43, 12),  # another shortfall
        AreaShortfall("isk", "2027-H1", "GM0384", 43, 12),
        AreaShortfall("isk", "2028-H1", "GM0384", 43, 12),  # 2027-H2 not short: a gap
        AreaShortfall("isk", "2026-H1", "GM0437", 43, 13),  # another area
    ]
    texts = _texts(rows)
    assert [t.split(":")[0] for t in texts] == [
        "2026-H1, GM0384",
        "2026-H2 t/m 2027-H1, GM0384",
        "2028-H1, GM0384",
        "2026-H1, GM0437",
    ]
