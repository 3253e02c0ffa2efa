"""Constant-false-alarm-rate (CFAR) tests along rows: cell-averaging and ordered-statistic.

A CFAR detector compares each cell with a noise level estimated from *training cells* on both
sides of it, skipping *guard cells* next to it so that the target's own response does not
raise its own threshold. Detectors here work on magnitudes ``|x|`` along the first axis (frames
of a metal detector, traces of a GPR line), every column independently:

- **CA-CFAR** (cell averaging; Finn and Johnson 1968): the level is the mean of the training
  cells. Optimal in homogeneous noise, but a second target in the training cells raises the
  level and masks the first ("target masking"), and a clutter edge raises false alarms.
- **OS-CFAR** (ordered statistic; Rohling 1983): the level is the ``k``-th smallest training
  cell, ``k = ceil(rank_fraction * n_train)``; up to ``n_train - k`` interfering targets in
  the window do not move it. Rohling recommends ``k`` near ``3/4`` of the window.

The cell under test may be the mean of ``2 * cell_half + 1`` cells (a short integration that
matches the duration of a target's response). At the ends of a signal the windows are
truncated to the cells that exist.

The ratio ``test / level`` is the detection statistic (1 = noise level); thresholding it at a
fixed value gives a (for CA, in exponential noise exactly) constant false-alarm rate.

References
----------
.. [1] Finn, H. M. and Johnson, R. S. (1968). Adaptive detection mode with threshold control
   as a function of spatially sampled clutter-level estimates. *RCA Review* 29(3), 414-464.
.. [2] Rohling, H. (1983). Radar CFAR thresholding in clutter and multiple target situations.
   *IEEE Trans. Aerospace and Electronic Systems* AES-19(4), 608-621.
.. [3] Richards, M. A. (2014). *Fundamentals of Radar Signal Processing*, 2nd ed.,
   McGraw-Hill, ch. 7 (CA, OS and their losses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.detect import _kernels
from detsig.errors import InputError

CFAR_METHODS = ("ca", "os")


@dataclass(frozen=True)
class CfarParams:
    """Window of a CFAR test.

    Parameters
    ----------
    method : {"ca", "os"}
        Cell averaging (mean of the training cells) or ordered statistic (their
        ``rank_fraction`` quantile).
    guard_rows : int
        Cells skipped on each side of the cell under test (>= 0).
    train_rows : int
        Training cells on each side beyond the guard (>= 1).
    cell_half : int
        The cell under test is the mean of ``2 * cell_half + 1`` cells (>= 0).
    rank_fraction : float
        OS-CFAR rank as a fraction of the training cells present, in (0, 1].
    """

    method: str = "ca"
    guard_rows: int = 4
    train_rows: int = 16
    cell_half: int = 0
    rank_fraction: float = 0.75

    def __post_init__(self) -> None:
        if self.method not in CFAR_METHODS:
            raise InputError(f"CFAR method must be 'ca' or 'os', got {self.method!r}")
        for name, minimum in (("guard_rows", 0), ("train_rows", 1), ("cell_half", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise InputError(f"CFAR {name} must be a whole number, got {value!r}")
            if value < minimum:
                raise InputError(f"CFAR {name} must be >= {minimum}, got {value}")
            object.__setattr__(self, name, int(value))
        rank = float(self.rank_fraction)
        if not 0.0 < rank <= 1.0:
            raise InputError(f"OS-CFAR rank_fraction must be in (0, 1], got {rank}")
        object.__setattr__(self, "rank_fraction", rank)

    @property
    def lookahead_rows(self) -> int:
        """Rows after a cell that its test needs (the streaming delay)."""
        return max(self.guard_rows + self.train_rows, self.cell_half)

    @property
    def lookback_rows(self) -> int:
        """Rows before a cell that a streaming caller must keep (the CA sums slide from an
        anchor row up to ``ANCHOR_ROWS - 1`` rows earlier)."""
        return self.lookahead_rows + _kernels.ANCHOR_ROWS


def _as_rows(x: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], bool]:
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise InputError(f"CFAR input must hold real numbers, got dtype {array.dtype}")
    if array.ndim == 1:
        return np.ascontiguousarray(array[:, None], dtype=np.float64), True
    if array.ndim != 2:
        raise InputError(f"CFAR input must be 1-D or 2-D (rows, columns), got {array.ndim}-D")
    return np.ascontiguousarray(array, dtype=np.float64), False


def run_cfar_rows(
    buf: npt.NDArray[np.float64], g0: int, start: int, stop: int, params: CfarParams
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Test and level of rows ``start .. stop - 1`` of a buffer holding rows from ``g0``.

    Used by the batch functions (``g0 = 0``, the whole signal) and the streaming detectors.

    Parameters
    ----------
    buf : ndarray, shape (n_rows, n_columns), float64, C-contiguous
        Rows ``g0 .. g0 + n_rows - 1`` of the signal (each column tested independently).
    g0 : int
        Global index of ``buf``'s first row.
    start, stop : int
        Global rows to test; ``buf`` must hold their guard and training rows that exist.
    params : CfarParams
        Method, cell, guard and training sizes (rows) and OS rank.

    Returns
    -------
    test : ndarray, shape (stop - start, n_columns)
        Mean magnitude of each row's test cell.
    level : ndarray, shape (stop - start, n_columns)
        Its training level (NaN where no training row exists).
    """
    n = max(stop - start, 0)
    test = np.empty((n, buf.shape[1]), np.float64)
    level = np.empty((n, buf.shape[1]), np.float64)
    if n and buf.shape[1]:
        if params.method == "ca":
            _kernels.ca_cfar_rows(
                buf,
                g0,
                params.cell_half,
                params.guard_rows,
                params.train_rows,
                start,
                stop,
                test,
                level,
            )
        else:
            _kernels.os_cfar_rows(
                buf,
                g0,
                params.cell_half,
                params.guard_rows,
                params.train_rows,
                params.rank_fraction,
                start,
                stop,
                test,
                level,
            )
    return test, level


def _cfar(x: npt.ArrayLike, params: CfarParams) -> tuple[Any, Any]:
    data, flat = _as_rows(x)
    test, level = run_cfar_rows(data, 0, 0, data.shape[0], params)
    if flat:
        return test[:, 0], level[:, 0]
    return test, level


def ca_cfar(
    x: npt.ArrayLike, *, guard_rows: int = 4, train_rows: int = 16, cell_half: int = 0
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Cell-averaging CFAR along the first axis.

    Parameters
    ----------
    x : array_like, shape (n_rows,) or (n_rows, n_columns)
        Signal; its magnitude ``|x|`` is tested.
    guard_rows : int
        Guard cells on each side of the cell under test.
    train_rows : int
        Training cells on each side beyond the guard cells.
    cell_half : int
        Half-length of the cell under test (mean of ``2 * cell_half + 1`` cells).

    Returns
    -------
    test : ndarray, same shape as ``x``, float64
        Mean ``|x|`` of the cell under test.
    level : ndarray, same shape as ``x``, float64
        Mean ``|x|`` of the training cells present (NaN when there are none).

    References
    ----------
    .. [1] Finn, H. M. and Johnson, R. S. (1968). *RCA Review* 29(3), 414-464.

    Examples
    --------
    >>> test, level = ca_cfar([1.0, 1.0, 9.0, 1.0, 1.0], guard_rows=0, train_rows=1)
    >>> (test / level).round(2).tolist()
    [1.0, 0.2, 9.0, 0.2, 1.0]
    """
    return _cfar(x, CfarParams("ca", guard_rows, train_rows, cell_half))


def os_cfar(
    x: npt.ArrayLike,
    *,
    guard_rows: int = 4,
    train_rows: int = 16,
    cell_half: int = 0,
    rank_fraction: float = 0.75,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Ordered-statistic CFAR along the first axis.

    Parameters
    ----------
    x : array_like, shape (n_rows,) or (n_rows, n_columns)
        Signal; its magnitude ``|x|`` is tested.
    guard_rows, train_rows, cell_half : int
        As for :func:`ca_cfar`.
    rank_fraction : float
        The level is the ``ceil(rank_fraction * n)``-th smallest of the ``n`` training cells
        present (Rohling 1983 recommends about 0.75).

    Returns
    -------
    test, level : ndarray, same shape as ``x``, float64
        As for :func:`ca_cfar`, the level being the ordered statistic.

    References
    ----------
    .. [1] Rohling, H. (1983). *IEEE Trans. AES* 19(4), 608-621.

    Examples
    --------
    >>> test, level = os_cfar([1.0, 2.0, 50.0, 3.0, 4.0], guard_rows=0, train_rows=2,
    ...                       rank_fraction=0.5)
    >>> level.tolist()
    [2.0, 3.0, 2.0, 4.0, 3.0]
    """
    return _cfar(x, CfarParams("os", guard_rows, train_rows, cell_half, rank_fraction))


def cfar_ratio(
    x: npt.ArrayLike, params: CfarParams | None = None, *, floor: float = 0.0
) -> npt.NDArray[np.float64]:
    """The CFAR statistic ``test / max(level, floor)`` (0 where the level is unknown).

    Parameters
    ----------
    x : array_like, shape (n_rows,) or (n_rows, n_columns)
        Signal.
    params : CfarParams, optional
        Window and method; default CA with 4 guard and 16 training cells.
    floor : float
        Smallest level used (>= 0): keeps the statistic finite over digital silence.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    test, level = _cfar(x, params or CfarParams())
    return ratio(test, level, floor)


def ratio(
    test: npt.NDArray[np.float64], level: npt.NDArray[np.float64], floor: float
) -> npt.NDArray[np.float64]:
    """The CFAR ratio ``test / max(level, floor)``, 0 where the level is NaN or zero.

    Parameters
    ----------
    test, level : ndarray
        Test-cell magnitude and training level (same shape, signal units).
    floor : float
        Smallest level used (signal units), against division by near-zero levels.

    Returns
    -------
    ndarray
        Dimensionless ratio, same shape.
    """
    safe = np.where(np.isnan(level), np.inf, np.maximum(level, floor))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(safe > 0, test / np.where(safe > 0, safe, 1.0), 0.0)
    return np.asarray(out, dtype=np.float64)
