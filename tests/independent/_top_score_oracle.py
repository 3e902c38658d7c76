"""The ``top_score`` shortlist rule, written from its documentation only.

README: "top_score takes the eligible sites in rank order until the target is met (then
drops the sites the target no longer needs)"; the schema: at most ``max_sites``, only
sites available by the date, ``must_include`` / ``must_exclude``, overlapping plots never
both; ``top_score``'s docstring: the sites the target no longer needs are dropped "the
lowest-ranked first", never a ``must_include`` site.
"""

from __future__ import annotations


def top_score(
    rank: list[int],
    capacity: list[int],
    target: int,
    eligible: list[bool],
    *,
    available: list[bool],
    must_include: set[int],
    must_exclude: set[int],
    overlaps: set[frozenset[int]],
    max_sites: int | None,
    irredundant: bool,
) -> tuple[set[int], bool]:
    """The chosen sites and whether the target is met.

    ``must_include`` sites that cannot all be chosen (one not available by the date, more
    than ``max_sites``, two overlapping) give no shortlist: the rules conflict.
    """
    chosen = {i for i in must_include if eligible[i]}
    if (
        any(not available[i] for i in chosen)
        or (max_sites is not None and len(chosen) > max_sites)
        or any(frozenset((a, b)) in overlaps for a in chosen for b in chosen if a != b)
    ):
        return set(), False
    forced = set(chosen)
    total = sum(capacity[i] for i in chosen)
    for i in sorted((i for i in range(len(rank)) if rank[i] > 0), key=lambda i: rank[i]):
        if i in chosen or not eligible[i] or i in must_exclude or not available[i]:
            continue
        if total >= target:
            break
        if max_sites is not None and len(chosen) >= max_sites:
            continue
        if capacity[i] <= 0 or any(frozenset((i, j)) in overlaps for j in chosen):
            continue
        chosen.add(i)
        total += capacity[i]
    met = total >= target
    if met and irredundant:
        for i in sorted(chosen - forced, key=lambda i: -rank[i]):
            if total - capacity[i] >= target:
                chosen.discard(i)
                total -= capacity[i]
    return chosen, met
