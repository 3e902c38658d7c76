"""AHP weights with Saaty's consistency ratio (pure numpy; used by the schema's checks and by
the siting stage)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from opvang_opt.texts import Message, render


def msg(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


_RI_1_TO_8 = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41)
_RI_9_TO_15 = (1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
SAATY_RI: tuple[float, ...] = _RI_1_TO_8 + _RI_9_TO_15
"""Saaty's random consistency index RI for n = 1..15 (``SAATY_RI[n - 1]``): n = 1..10 from
Saaty (1980), The Analytic Hierarchy Process, McGraw-Hill; n = 11..15 as extended in the
later AHP literature and reproduced by most AHP software. (Saaty's 2005 re-estimate, e.g.
0.52 for n = 3, is not used.)"""
CR_THRESHOLD = 0.1
RECIPROCITY_TOLERANCE = 0.02
"""Saaty's rule of thumb: a consistency ratio above 0.1 calls for revised judgements."""


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Weights from an AHP pairwise comparison matrix, with Saaty's consistency figures.

    Attributes
    ----------
    weights
        The principal right eigenvector, normalised to sum 1.
    lambda_max
        The principal eigenvalue (n for a perfectly consistent matrix).
    ci
        Consistency index ``(lambda_max - n) / (n - 1)`` (0 for n <= 2).
    ri
        Saaty's random index for this n (0 for n <= 2).
    cr
        Consistency ratio ``ci / ri`` (0 for n <= 2).
    """

    weights: np.ndarray
    lambda_max: float
    ci: float
    ri: float
    cr: float

    @property
    def n(self) -> int:
        """Number of criteria compared."""
        return int(self.weights.size)

    @property
    def consistency_ratio(self) -> float:
        """Alias of ``cr``."""
        return self.cr

    @property
    def consistency_index(self) -> float:
        """Alias of ``ci``."""
        return self.ci

    def is_consistent(self, threshold: float = CR_THRESHOLD) -> bool:
        """Whether the consistency ratio is at most ``threshold`` (Saaty: 0.1)."""
        return self.cr <= threshold


def check_reciprocal(
    matrix: np.ndarray | Sequence[Sequence[float]],
    tol: float = RECIPROCITY_TOLERANCE,
    names: Sequence[str] | None = None,
) -> list[str]:
    """Every problem that keeps a pairwise comparison matrix from being positive reciprocal.

    Parameters
    ----------
    matrix
        Square matrix ``a`` with ``a[i, j]`` = how much more important i is than j.
    tol
        Relative tolerance on ``a[i, j] * a[j, i] == 1`` and ``a[i, i] == 1``. The default
        2 % admits judgements typed as rounded fractions (0.33 for 1/3, 0.14 for 1/7).
    names
        Criterion names for the messages; default the 0-based indices.

    Returns
    -------
    list of str
        One message per problem, naming the entry (i, j); empty when the matrix is fine.

    Examples
    --------
    >>> check_reciprocal([[1, 3], [1 / 3, 1]])
    []
    >>> check_reciprocal([[1, 3], [0.5, 1]])
    ['a[0, 1] * a[1, 0] = 3 * 0.5 = 1.5, expected 1 (reciprocal)']
    """
    return [str(render(m, "en")) for m in reciprocal_problems(matrix, tol, names)]


def reciprocal_problems(
    matrix: np.ndarray | Sequence[Sequence[float]],
    tol: float = RECIPROCITY_TOLERANCE,
    names: Sequence[str] | None = None,
) -> list[Message]:
    """The problems of :func:`check_reciprocal` as catalogue messages (either language)."""
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        return [msg("scenario.ahp.not_square", shape=str(a.shape))]
    n = a.shape[0]
    if names is not None and len(names) != n:
        return [msg("scenario.ahp.names_count", names=len(names), n=n)]
    label = [str(i) for i in range(n)] if names is None else [str(x) for x in names]
    problems = []
    bad = ~np.isfinite(a) | (a <= 0)
    for i, j in zip(*np.nonzero(bad), strict=True):
        problems.append(
            msg("scenario.ahp.not_positive", i=label[i], j=label[j], value=f"{a[i, j]:g}")
        )
    for i in range(n):
        if not bad[i, i] and abs(a[i, i] - 1.0) > tol:
            problems.append(msg("scenario.ahp.diagonal", i=label[i], value=f"{a[i, i]:g}"))
    for i in range(n):
        for j in range(i + 1, n):
            if bad[i, j] or bad[j, i]:
                continue
            prod = a[i, j] * a[j, i]
            if abs(prod - 1.0) > tol:
                problems.append(
                    msg(
                        "scenario.ahp.reciprocal",
                        i=label[i],
                        j=label[j],
                        aij=f"{a[i, j]:g}",
                        aji=f"{a[j, i]:g}",
                        product=f"{prod:g}",
                    )
                )
    return problems


def ahp_weights(
    matrix: np.ndarray | Sequence[Sequence[float]], tol: float = RECIPROCITY_TOLERANCE
) -> AHPResult:
    """Weights from a pairwise comparison matrix by the principal eigenvector (Saaty).

    Parameters
    ----------
    matrix
        Positive reciprocal square matrix, n = 1..15 (RI is tabulated up to 15).
    tol
        Tolerance of the reciprocity check (see :func:`check_reciprocal`).

    Returns
    -------
    AHPResult
        Weights, lambda_max, CI, RI and CR (CI = RI = CR = 0 for n <= 2).

    Raises
    ------
    ValueError
        When the matrix is not positive reciprocal (all problems listed) or n > 15.

    Examples
    --------
    >>> r = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    >>> r.weights.round(3).tolist(), round(r.lambda_max, 3), round(r.cr, 3)
    ([0.637, 0.258, 0.105], 3.039, 0.033)
    """
    problems = check_reciprocal(matrix, tol)
    if problems:
        raise ValueError("AHP matrix is not positive reciprocal:\n- " + "\n- ".join(problems))
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if n > len(SAATY_RI):
        raise ValueError(f"Saaty's random index is tabulated up to n = 15, got n = {n}")
    eigval, eigvec = np.linalg.eig(a)
    i = int(np.argmax(eigval.real))
    lam = float(eigval[i].real)
    vec = np.abs(eigvec[:, i].real)  # Perron vector: one sign, take it positive
    weights = vec / vec.sum()
    if n <= 2:
        return AHPResult(weights=weights, lambda_max=lam, ci=0.0, ri=0.0, cr=0.0)
    ci = max((lam - n) / (n - 1), 0.0)  # lambda_max >= n for a positive reciprocal matrix
    ri = SAATY_RI[n - 1]
    return AHPResult(weights=weights, lambda_max=lam, ci=ci, ri=ri, cr=ci / ri)
