"""Exact binomial statistics for detection probabilities.

A probability of detection estimated from ``n`` targets of which ``k`` were found is a binomial
proportion; with the few dozen targets of a test lane its normal approximation is poor, so
detsig reports the exact (Clopper-Pearson) interval and the exact one-sided lower bound.

References
----------
.. [1] C. J. Clopper and E. S. Pearson, "The use of confidence or fiducial limits illustrated in
   the case of the binomial", Biometrika 26(4), 404-413, 1934.
.. [2] CEN Workshop Agreement CWA 14747-1:2003, "Humanitarian mine action - Test and evaluation -
   Metal detectors", section on the statistical basis of detection reliability trials.
.. [3] ``scipy.stats.binomtest(...).proportion_ci(method="exact")``, which computes the same
   two-sided interval.
"""

from __future__ import annotations

import math

__all__ = [
    "clopper_pearson",
    "lower_confidence_bound",
    "zero_miss_sample_size",
]


def _check(n_detected: int, n_targets: int, confidence: float) -> None:
    if n_targets < 0 or n_detected < 0 or n_detected > n_targets:
        raise ValueError(
            f"need 0 <= n_detected <= n_targets, got n_detected={n_detected}, n_targets={n_targets}"
        )
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")


def clopper_pearson(
    n_detected: int, n_targets: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Two-sided exact (Clopper-Pearson) confidence interval of a detection probability.

    Parameters
    ----------
    n_detected : int
        Targets found, ``k``.
    n_targets : int
        Targets present, ``n``.
    confidence : float
        Coverage of the interval (0.95 for 95 %).

    Returns
    -------
    low, high : float
        ``low = B(alpha/2; k, n-k+1)`` (0 when ``k == 0``) and
        ``high = B(1-alpha/2; k+1, n-k)`` (1 when ``k == n``), with ``B`` the beta quantile
        and ``alpha = 1 - confidence``. With no targets the interval is ``(0, 1)``.

    References
    ----------
    Clopper and Pearson (1934); equal to ``scipy.stats.binomtest(k, n).proportion_ci(
    confidence_level, method="exact")``.

    Examples
    --------
    >>> low, high = clopper_pearson(57, 60)
    >>> round(low, 4), round(high, 4)
    (0.8608, 0.9896)
    """
    from scipy.stats import beta

    _check(n_detected, n_targets, confidence)
    if n_targets == 0:
        return 0.0, 1.0
    alpha = 1.0 - confidence
    k, n = n_detected, n_targets
    low = 0.0 if k == 0 else float(beta.ppf(alpha / 2.0, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1.0 - alpha / 2.0, k + 1, n - k))
    return low, high


def lower_confidence_bound(n_detected: int, n_targets: int, confidence: float = 0.95) -> float:
    """One-sided exact lower confidence bound of a detection probability.

    The largest ``p`` such that finding ``n_detected`` or more of ``n_targets`` would still
    happen with probability at most ``1 - confidence``: ``B(1-confidence; k, n-k+1)``. With no
    miss (``k == n``) it is ``(1 - confidence) ** (1 / n)``.

    Parameters
    ----------
    n_detected, n_targets : int
        Targets found and present.
    confidence : float
        One-sided confidence level.

    Returns
    -------
    float
        The bound (0 when nothing was found or there were no targets).

    References
    ----------
    Clopper and Pearson (1934); CWA 14747-1 (demonstrating a detection reliability).

    Examples
    --------
    >>> round(lower_confidence_bound(59, 59), 4)
    0.9505
    """
    from scipy.stats import beta

    _check(n_detected, n_targets, confidence)
    if n_detected == 0:
        return 0.0
    if n_detected == n_targets:
        return float((1.0 - confidence) ** (1.0 / n_targets))
    return float(beta.ppf(1.0 - confidence, n_detected, n_targets - n_detected + 1))


def zero_miss_sample_size(pd_required: float, confidence: float = 0.95) -> int:
    """Fewest targets that, all found, demonstrate ``Pd >= pd_required`` at ``confidence``.

    With ``n`` targets and no miss the one-sided lower bound is ``(1 - confidence) ** (1/n)``;
    the answer is the smallest ``n`` for which it reaches ``pd_required``:
    ``n = ceil(ln(1 - confidence) / ln(pd_required))`` (29 for 0.90, 59 for 0.95, 299 for 0.99
    at 95 % confidence).

    Parameters
    ----------
    pd_required : float
        Detection probability to demonstrate, in (0, 1).
    confidence : float
        One-sided confidence level, in (0, 1).

    Returns
    -------
    int
        The sample size.

    References
    ----------
    The "success run" (zero-failure) rule of reliability demonstration; CWA 14747-1.

    Examples
    --------
    >>> [zero_miss_sample_size(p) for p in (0.90, 0.95, 0.99)]
    [29, 59, 299]
    """
    if not 0.0 < pd_required < 1.0:
        raise ValueError(f"pd_required must lie strictly between 0 and 1, got {pd_required}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    n = max(1, math.ceil(math.log(1.0 - confidence) / math.log(pd_required)))
    # Guard the rounding of the logarithms at the boundary: settle on the exact smallest n.
    while n > 1 and (1.0 - confidence) ** (1.0 / (n - 1)) >= pd_required:
        n -= 1
    while (1.0 - confidence) ** (1.0 / n) < pd_required:
        n += 1
    return n
