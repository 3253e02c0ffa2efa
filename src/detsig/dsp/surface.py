"""Ground-surface clutter removal that follows a rough surface (local SVD in the surface zone).

After mean/median background removal, a flat direct wave and ground echo are gone, but where
the ground surface (or the antenna height) varies along the lane, every trace keeps a residual
of its surface echo: for a delay ``d`` of the echo ``s(t)``, ``s(t - d) - s(t) ~ -d s'(t)`` (plus
amplitude changes ``~ a s(t)``). Over a stretch of lane these residuals span a space of very
few waveforms, whereas the echo of a buried object is localised along the lane. The surface
zone of each trace (time zero minus ``before_s`` to plus ``after_s``) is therefore projected
off the ``n_components`` leading right singular vectors of the residuals of the traces within
``+- half_window`` traces: subspace (SVD) clutter removal, as proposed for landmine GPR by
Abujarad et al. (2005) and Zoubir et al. (2002), applied in a sliding window so that it
follows the surface and runs on a stream.

For speed the basis is computed once per group of ``basis_every`` traces, from the window
centred on the group (groups counted from the first trace of the line), so a trace's result
depends only on a fixed window of traces and any chunking gives the batch result.

References
----------
.. [1] Abujarad, F., Nadim, G. and Omar, A. (2005). Clutter reduction and detection of
   landmine objects in ground penetrating radar data using singular value decomposition
   (SVD). *Proc. 3rd Int. Workshop on Advanced Ground Penetrating Radar*, 37-42.
.. [2] Zoubir, A. M., Chant, I. J., Brown, C. L., Barkat, B. and Abeynayake, C. (2002).
   Signal processing techniques for landmine detection using impulse ground penetrating
   radar. *IEEE Sensors Journal* 2(1), 41-51 (ground-bounce removal).
.. [3] Daniels, D. J. (Ed.) (2004). *Ground Penetrating Radar*, 2nd ed., IET, ch. 7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detsig.errors import ParameterError


@dataclass(frozen=True)
class SurfaceZone:
    """Where and how surface clutter is removed.

    Parameters
    ----------
    first_sample, stop_sample : int
        The surface zone, samples ``first_sample`` to ``stop_sample - 1`` of every trace.
    half_window : int
        Traces on each side whose residuals define the local clutter subspace.
    n_components : int
        Dimension of the clutter subspace removed.
    basis_every : int
        One basis per this many traces.
    """

    first_sample: int
    stop_sample: int
    half_window: int
    n_components: int = 2
    basis_every: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.first_sample < self.stop_sample:
            raise ParameterError(
                f"the surface zone must be a non-empty run of samples, got "
                f"{self.first_sample}..{self.stop_sample}"
            )
        if self.half_window < 1 or self.n_components < 1 or self.basis_every < 1:
            raise ParameterError(
                "half_window, n_components and basis_every must all be >= 1, got "
                f"{self.half_window}, {self.n_components}, {self.basis_every}"
            )

    @property
    def lookahead(self) -> int:
        """Later traces a trace's result depends on."""
        return self.half_window + self.basis_every

    @property
    def lookback(self) -> int:
        """Earlier traces a trace's result depends on."""
        return self.half_window + self.basis_every


def surface_zone(
    *,
    time_zero_s: float,
    sample_interval_s: float,
    center_frequency_hz: float,
    trace_step_m: float,
    window_m: float,
    before_periods: float = 1.0,
    after_periods: float = 0.75,
    n_components: int = 2,
    basis_step_m: float = 0.04,
    n_samples: int | None = None,
) -> SurfaceZone | None:
    """The surface zone and window of a line, from sizes in physical units.

    Parameters
    ----------
    time_zero_s : float
        Two-way time of the ground surface within the trace, s.
    sample_interval_s : float
        Time between samples, s.
    center_frequency_hz : float
        Antenna centre frequency, Hz (the zone is measured in its periods).
    trace_step_m : float
        Distance between traces, m.
    window_m : float
        Length of lane whose residuals define the local clutter subspace, m (<= 0: no
        removal).
    before_periods, after_periods : float
        The zone runs from time zero minus / plus this many periods of the centre frequency.
    n_components : int
        Dimension of the removed subspace (at least 1 is used).
    basis_step_m : float
        One clutter basis per this length of lane, m.
    n_samples : int, optional
        Samples per trace: the zone is cut at the end of the trace (None: cut when run).

    Returns
    -------
    SurfaceZone or None
        None when removal is off or the zone holds no sample.
    """
    if not window_m > 0:
        return None
    period_s = 1.0 / center_frequency_hz
    dt = sample_interval_s
    first = max(round((time_zero_s - before_periods * period_s) / dt), 0)
    stop = round((time_zero_s + after_periods * period_s) / dt) + 1
    if n_samples is not None:
        stop = min(stop, n_samples)
    if stop <= first:
        return None
    return SurfaceZone(
        first_sample=int(first),
        stop_sample=int(stop),
        half_window=max(round(window_m / 2 / trace_step_m), 1),
        n_components=max(int(n_components), 1),
        basis_every=max(round(basis_step_m / trace_step_m), 1),
    )


def clutter_basis(block: npt.NDArray[np.float64], n_components: int) -> npt.NDArray[np.float64]:
    """The leading right singular vectors of a block of surface-zone residuals.

    Parameters
    ----------
    block : ndarray, shape (n_traces, n_zone)
        Residuals of the surface zone of neighbouring traces.
    n_components : int
        How many vectors.

    Returns
    -------
    ndarray, shape (k, n_zone)
        Orthonormal rows, ``k = min(n_components, n_traces, n_zone)``, signs fixed so the
        largest-magnitude element of each is positive (deterministic output).
    """
    if block.size == 0:
        return np.zeros((0, block.shape[1]))
    _, singular, vt = np.linalg.svd(block, full_matrices=False)
    k = min(int(n_components), vt.shape[0])
    basis = vt[:k]
    basis = basis[singular[:k] > 0]
    signs = np.sign(basis[np.arange(basis.shape[0]), np.argmax(np.abs(basis), axis=1)])
    return np.asarray(basis * signs[:, None])


def surface_clutter_rows(
    buf: npt.NDArray[np.float64],
    g0: int,
    start: int,
    stop: int,
    zone: SurfaceZone,
    last_row: int,
) -> npt.NDArray[np.float64]:
    """Rows ``start .. stop - 1`` of a line with the surface clutter removed.

    Parameters
    ----------
    buf : ndarray, shape (n_held, n_samples)
        Background-removed traces ``g0 .. g0 + n_held - 1`` of the line.
    g0 : int
        Index of ``buf``'s first row within the line.
    start, stop : int
        Rows wanted (line indices).
    zone : SurfaceZone
        Zone and window.
    last_row : int
        Last row of the line known so far (windows are truncated there and at row 0).

    Returns
    -------
    ndarray, shape (stop - start, n_samples), float64
    """
    out = np.array(buf[start - g0 : stop - g0], dtype=np.float64, copy=True)
    lo, hi = zone.first_sample, min(zone.stop_sample, buf.shape[1])
    if stop <= start or hi <= lo:
        return out
    every = zone.basis_every
    for group in range(start // every, (stop - 1) // every + 1):
        first = group * every
        centre = first + every // 2
        w0 = max(centre - zone.half_window, 0)
        w1 = min(centre + zone.half_window, last_row) + 1
        basis = clutter_basis(
            np.ascontiguousarray(buf[w0 - g0 : w1 - g0, lo:hi]), zone.n_components
        )
        r0 = max(first, start)
        r1 = min(first + every, stop)
        rows = out[r0 - start : r1 - start, lo:hi]
        rows -= (rows @ basis.T) @ basis
    return out


def remove_surface_clutter(x: npt.ArrayLike, zone: SurfaceZone) -> npt.NDArray[np.float64]:
    """Remove the surface clutter of a whole line (the batch form).

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        Background-removed traces.
    zone : SurfaceZone
        Zone and window.

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float64
    """
    data = np.ascontiguousarray(x, dtype=np.float64)
    if data.ndim != 2:
        raise ParameterError(f"traces must be 2-D (traces, samples), got {data.ndim}-D")
    return surface_clutter_rows(data, 0, 0, data.shape[0], zone, data.shape[0] - 1)
