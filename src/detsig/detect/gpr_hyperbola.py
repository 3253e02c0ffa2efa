"""GPR hyperbola detector: matched diffraction templates over a velocity grid.

A small buried object is a point diffractor: the radar, moving along the lane at height ``h``,
sees its echo at the two-way time of the refracted ray (Fermat's principle / Snell's law:
air path to the surface crossing point, then soil path at ``v = c / sqrt(eps_r)``), a
hyperbola-like curve whose apex is above the object and whose flanks open faster in slower
(wetter) soil. The detector is a generalised Hough transform in its matched-filter form (a
diffraction stack, i.e. Kirchhoff migration restricted to a velocity grid):

1. Preprocessing (:mod:`detsig.detect.gpr_common`): dewow, sliding-median background removal.
2. **Template stack weighted by its semblance**: for every apex trace ``i``, apex two-way time
   ``t0`` and velocity ``v_k`` of a logarithmic grid, the mean of the traces sampled along the
   template ``t(x; t0, v_k, h)`` over ``+- half_aperture_m`` (linear interpolation between
   samples), multiplied by the template's semblance to the power ``semblance_exponent``
   (Neidell and Taner 1971: stacked energy over input energy, ``mean(x)^2 / mean(x^2)`` in
   ``[0, 1]``, summed over ``+- semblance_window_periods`` of apex time). A hyperbola's apex
   template collects the echo on every trace (semblance near 1), whereas a template that
   merely crosses the flank of a neighbouring object's hyperbola collects it on a few traces
   (semblance ~ their fraction): the weighting keeps the strong objects' flanks out of the CFAR
   training cells of a weak neighbour (a plastic mine beside a stone). ``S(i, t0) = max_k``
   of the weighted stack; the best ``k`` (refined by a parabola through its neighbours in
   ``log v``) estimates the velocity, hence ``eps_r = (c / v)^2``.
3. **CFAR across traces** (:mod:`detsig.detect.cfar`, OS by default) of ``S`` at every ``t0``:
   the stack's level is compared with that of the neighbouring traces at the same time, so
   the decay of amplitude with depth needs no gain. The statistic of a trace is the largest
   ratio over ``t0``.
4. **Hysteresis / one candidate per object** along the traces (as in the MD detector); the
   candidate is placed at the peak trace (the apex position ``x``); its two-way time is that
   of the *shallowest* strong response at that trace (at least ``top_fraction`` of the best,
   so the top of an object rather than its bottom echo), refined to a fraction of a sample;
   ``depth = v t0 / 2``. When the velocity fit ends on the first or last velocity of the grid
   (the soil or the object lies outside the searched permittivities, or the fit failed), the
   velocity is not measured: ``velocity_m_per_s`` and ``relative_permittivity`` are None,
   ``depth_m`` is NaN, ``velocity_at_grid_limit`` is True and ``depth_at_grid_limit_m`` holds
   the depth at that limiting velocity (a bound, used by the fusion rules).
5. Features for fusion: ``polarity`` of the apex relative to the ground-surface echo (``+1``:
   the same sign, a body of higher permittivity than the soil, e.g. metal; ``-1``: opposite,
   a body of lower permittivity, e.g. plastic, explosive, air), the apex amplitude and the
   reflection strength: the apex amplitude, compensated for spreading (times the path
   ``h + depth`` over ``max(h, 5 cm)``), as a fraction of the mean peak of the ground-surface
   echo over the line's first traces: a reflectivity relative to the ground's, with the
   radar's gain and units divided out.

References
----------
.. [1] Ballard, D. H. (1981). Generalizing the Hough transform to detect arbitrary shapes.
   *Pattern Recognition* 13(2), 111-122.
.. [2] Capineri, L., Grande, P. and Temple, J. A. G. (1998). Advanced image-processing
   technique for real-time interpretation of ground-penetrating radar images. *Int. J. Imaging
   Systems and Technology* 9(1), 51-59 (Hough detection of GPR hyperbolas with velocity).
.. [3] Yilmaz, O. (2001). *Seismic Data Analysis*, SEG, ch. 4-5 (diffraction stacks,
   Kirchhoff migration and velocity analysis).
.. [4] Rohling, H. (1983). Radar CFAR thresholding in clutter and multiple target situations.
   *IEEE Trans. AES* 19(4), 608-621.
.. [5] Neidell, N. S. and Taner, M. T. (1971). Semblance and other coherency measures for
   multichannel data. *Geophysics* 36(3), 482-497.
.. [6] Dou, Q., Wei, L., Magee, D. R. and Cohn, A. G. (2017). Real-time hyperbola recognition
   and fitting in GPR data. *IEEE Trans. Geosci. Remote Sens.* 55(1), 51-62 (the C3
   column-connection alternative; detsig uses the template stack because it also yields the
   velocity and works on a stream with a fixed look-ahead).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from detsig.detect import _kernels
from detsig.detect._params import DetectorParams, resolve_params
from detsig.detect._stream import LookaheadStage, Segment, Segmenter
from detsig.detect.cfar import CfarParams, ratio, run_cfar_rows
from detsig.detect.gpr_common import GprPreprocessor
from detsig.dsp.header import resolve_scan_header
from detsig.errors import InputError
from detsig.model import SPEED_OF_LIGHT_M_PER_S, Candidate, GprHeader, GprScan

DETECTOR_NAME = "gpr-hyperbola"
#: Columns of the CFAR stage's output before the traces: statistic, apex sample, velocity
#: index, signed stack, amplitude, level, apex ratio, distance, time, lat, lon.
_N_TESTED = 11
#: Velocities of the fine grid on which the picked flank times are fitted.
N_FINE_VELOCITIES = 96
#: Apex times whose CFAR ratio reaches this fraction of a trace's best are candidates for the
#: top of the object.
STANDING_FRACTION = 0.25
#: Shortest path used in the spreading compensation of the reflection strength, m (a
#: ground-coupled antenna has height 0).
MIN_SPREADING_PATH_M = 0.05
#: Picks weaker than this fraction of the apex amplitude are not used in the fit.
PICK_FRACTION = 0.2


@dataclass(frozen=True)
class HyperbolaParams(DetectorParams):
    """Parameters of the hyperbola detector.

    Parameters
    ----------
    threshold : float
        Score (CFAR ratio of the template stack) to report a candidate.
    hysteresis_low : float
        Level that opens and sustains an object along the traces.
    permittivity_min, permittivity_max : float
        Range of soil relative permittivity searched (velocity grid).
    n_velocities : int
        Velocities in the (logarithmic) grid.
    half_aperture_m : float
        Half-width of the templates along the lane, m.
    min_time_s, max_time_s : float
        Apex two-way times searched, after time zero, s.
    background_window_m : float
        Background-removal window, m.
    cfar_method : {"os", "ca"}
        CFAR across traces.
    guard_m, train_m : float
        CFAR guard and training lengths on each side, m.
    rank_fraction : float
        OS-CFAR rank.
    level_floor : float
        Smallest CFAR level, counts.
    min_length_m : float
        Shortest object kept along the lane, m.
    gap_m : float
        Longest dip bridged within one object, m.
    edge_m : float
        No object is reported this close to either end of the line, m (one-sided windows); at
        least ``half_aperture_m`` is always excluded (truncated templates).
    apex_step_periods : float
        Apex times are searched every this fraction of the centre frequency's period (at
        least every sample; the flank fit refines them), so the cost and the result do not
        depend on the radar's sample interval.
    split_ratio : float
        Two objects in a row are told apart where the statistic falls below this fraction of
        the first one's peak and rises again (0: never split).
    sidelobe_ratio : float
        An object within ``half_aperture_m`` of one scoring more than ``1 / sidelobe_ratio``
        times as much is that one's template edge response and is dropped (0: never).
    far_sidelobe_ratio : float
        The same within two half apertures (templates that only reach the other object's
        flank), for objects scoring less than this fraction of it (0: never).
    min_separation_m : float
        Of two objects whose peaks are closer than this along the lane, only the stronger is
        reported: the radar does not resolve them (its lateral resolution, about
        ``sqrt(wavelength * depth / 2)``, is a few cm to 10 cm), and the weaker is the response
        of templates displaced by about one wavelet cycle from the same echo.
    top_fraction : float
        The apex time is the shallowest response whose stack amplitude reaches this fraction
        of the strongest (the top of an object rather than its bottom echo).
    semblance_exponent : float
        The stack is weighted by its semblance to this power (0: the plain stack).
    semblance_window_periods : float
        Half-length of the apex-time window over which the semblance is summed, in periods of
        the centre frequency.
    antenna_height_m : float or None
        Antenna height above the ground, m; None takes it from the recording (else 0).
    """

    detector_name: ClassVar[str] = "gpr-hyperbola"

    threshold: float = 10.0
    hysteresis_low: float = 3.0
    permittivity_min: float = 2.0
    permittivity_max: float = 32.0
    n_velocities: int = 17
    half_aperture_m: float = 0.25
    min_time_s: float = 0.1e-9
    max_time_s: float = 8e-9
    background_window_m: float = 1.5
    cfar_method: str = "os"
    guard_m: float = 0.12
    train_m: float = 0.4
    rank_fraction: float = 0.75
    level_floor: float = 1e-3
    min_length_m: float = 0.02
    edge_m: float = 0.1
    gap_m: float = 0.05
    top_fraction: float = 0.75
    apex_step_periods: float = 0.1
    split_ratio: float = 0.5
    sidelobe_ratio: float = 0.5
    far_sidelobe_ratio: float = 0.02
    min_separation_m: float = 0.15
    semblance_exponent: float = 0.5
    semblance_window_periods: float = 0.2
    antenna_height_m: float | None = None

    def __post_init__(self) -> None:
        if not 1.0 <= self.permittivity_min < self.permittivity_max:
            raise InputError(
                "gpr-hyperbola needs 1 <= permittivity_min < permittivity_max, got "
                f"{self.permittivity_min} and {self.permittivity_max}"
            )
        if int(self.n_velocities) < 2:
            raise InputError(f"gpr-hyperbola n_velocities must be >= 2, got {self.n_velocities}")
        for name in ("half_aperture_m", "max_time_s", "background_window_m", "train_m"):
            if not float(getattr(self, name)) > 0:
                raise InputError(f"gpr-hyperbola {name} must be > 0, got {getattr(self, name)}")
        if not self.semblance_exponent >= 0 or not self.semblance_window_periods >= 0:
            raise InputError(
                "gpr-hyperbola semblance_exponent and semblance_window_periods must be >= 0, "
                f"got {self.semblance_exponent} and {self.semblance_window_periods}"
            )
        if not 0 < self.top_fraction <= 1:
            raise InputError(
                f"gpr-hyperbola top_fraction must be in (0, 1], got {self.top_fraction}"
            )


def refracted_one_way_s(
    offset_m: npt.ArrayLike, height_m: float, depth_m: npt.ArrayLike, velocity_m_per_s: float
) -> npt.NDArray[np.float64]:
    """One-way time from an antenna at ``height_m`` above a flat ground to a buried point.

    Minimises ``sqrt(h^2 + u^2) / c + sqrt(d^2 + (X - u)^2) / v`` over the surface crossing
    point ``u`` (Fermat's principle) with safeguarded Newton steps.

    Parameters
    ----------
    offset_m : array_like
        Horizontal antenna-to-point distance, m.
    height_m : float
        Antenna height, m (>= 0).
    depth_m : array_like
        Depth of the point, m (>= 0).
    velocity_m_per_s : float
        Soil velocity, m/s.

    Returns
    -------
    ndarray
        One-way travel time, s (broadcast shape).

    Examples
    --------
    >>> float(refracted_one_way_s(0.0, 0.0, 0.15, 1e8)) * 1e9
    1.5
    """
    c = SPEED_OF_LIGHT_M_PER_S
    x, d = np.broadcast_arrays(
        np.abs(np.asarray(offset_m, dtype=np.float64)), np.asarray(depth_m, dtype=np.float64)
    )
    h = float(height_m)
    v = float(velocity_m_per_s)
    tiny = 1e-12
    u = np.where(h + d > 0, x * h / np.maximum(h + d, tiny), 0.0)
    for _ in range(25):
        air = np.sqrt(h * h + u * u)
        soil = np.sqrt(d * d + (x - u) ** 2)
        grad = u / np.maximum(air, tiny) / c - (x - u) / np.maximum(soil, tiny) / v
        curv = h * h / np.maximum(air, tiny) ** 3 / c + d * d / np.maximum(soil, tiny) ** 3 / v
        u = np.clip(u - grad / np.maximum(curv, tiny), 0.0, x)
    return np.asarray(np.sqrt(h * h + u * u) / c + np.sqrt(d * d + (x - u) ** 2) / v)


@dataclass(frozen=True)
class TemplateBank:
    """Precomputed hyperbola templates.

    Attributes
    ----------
    velocities_m_per_s : ndarray, shape (n_v,)
        Velocity grid (decreasing permittivity order is not implied; log-spaced).
    apex_samples : ndarray of int, shape (n_s,)
        Trace sample index of each apex time.
    apex_time_s : ndarray, shape (n_s,)
        Apex two-way time after time zero, s.
    table : ndarray, shape (n_v, n_s, n_a)
        Fractional sample of each template at each trace offset (-1 outside the trace).
    weights : ndarray, shape (n_a,)
        Weight of each trace offset.
    half_aperture : int
        Trace offsets run from ``-half_aperture`` to ``+half_aperture``.
    """

    velocities_m_per_s: npt.NDArray[np.float64]
    apex_samples: npt.NDArray[np.int64]
    apex_time_s: npt.NDArray[np.float64]
    table: npt.NDArray[np.float64]
    weights: npt.NDArray[np.float64]
    half_aperture: int


@functools.lru_cache(maxsize=16)
def build_templates(
    geometry: GprHeader, params: HyperbolaParams, height_m: float, apex_step: int = 1
) -> TemplateBank:
    """The template bank of a line geometry (cached).

    Parameters
    ----------
    geometry : GprHeader
        Sampling of the line (sample interval, time zero, trace step).
    params : HyperbolaParams
        Velocity grid (``permittivity_min/max``, ``n_velocities``), apex times
        (``min_time_s``, ``max_time_s``) and ``half_aperture_m``.
    height_m : float
        Antenna height above the ground, m.
    apex_step : int
        Apex times every this many samples.

    Returns
    -------
    TemplateBank
        Templates of shape (n_velocities, n_apex_times, 2 * half_aperture + 1).
    """
    c = SPEED_OF_LIGHT_M_PER_S
    dt = geometry.sample_interval_s
    eps = np.geomspace(params.permittivity_max, params.permittivity_min, int(params.n_velocities))
    velocities = c / np.sqrt(eps)
    first = math.ceil((geometry.time_zero_s + params.min_time_s) / dt)
    last = math.floor((geometry.time_zero_s + params.max_time_s) / dt)
    last = min(last, geometry.n_samples - 2)
    first = max(first, 0)
    if last < first:
        raise InputError(
            "the traces end before the apex times searched by gpr-hyperbola; lower min_time_s "
            f"(the traces cover {geometry.n_samples * dt * 1e9:.2f} ns)"
        )
    apex_samples = np.arange(first, last + 1, max(int(apex_step), 1), dtype=np.int64)
    apex_time = np.asarray(apex_samples * dt - geometry.time_zero_s, dtype=np.float64)
    half = max(round(params.half_aperture_m / geometry.step_m), 1)
    offsets = np.arange(-half, half + 1) * geometry.step_m
    table = np.empty((eps.size, apex_samples.size, offsets.size), np.float64)
    air = 2.0 * height_m / c
    for k, v in enumerate(velocities):
        depth = v * np.maximum(apex_time, 0.0) / 2.0
        one_way = refracted_one_way_s(offsets[None, :], height_m, depth[:, None], float(v))
        pos = (2.0 * one_way - air + geometry.time_zero_s) / dt
        table[k] = np.where(pos <= geometry.n_samples - 1, pos, -1.0)
    weights = np.ones(offsets.size, np.float64)
    return TemplateBank(velocities, apex_samples, apex_time, table, weights, half)


def semblance_weighted(
    signed: npt.NDArray[np.float64],
    power: npt.NDArray[np.float64],
    half_window: int,
    exponent: float,
) -> npt.NDArray[np.float64]:
    """The stack magnitude weighted by its semblance (Neidell and Taner 1971).

    Parameters
    ----------
    signed : ndarray, shape (n_traces, n_apex_times, n_velocities)
        Mean of the samples along each template.
    power : ndarray, same shape
        Mean of their squares.
    half_window : int
        The semblance sums numerator and denominator over ``+- half_window`` apex times
        (truncated at the ends).
    exponent : float
        Power of the semblance (0: ``|signed|``).

    Returns
    -------
    ndarray, same shape
        ``|signed| * (sum signed^2 / sum power) ** exponent``; the semblance is in [0, 1]
        (0 where no sample was stacked).
    """
    if exponent == 0:
        return np.abs(signed)
    out = np.empty(signed.shape, np.float64)
    _kernels.semblance_weight(
        np.ascontiguousarray(signed, dtype=np.float64),
        np.ascontiguousarray(power, dtype=np.float64),
        max(int(half_window), 0),
        float(exponent),
        out,
    )
    return out


def _parabola_offset(left: float, centre: float, right: float) -> float:
    """Vertex offset (in steps, within +-0.5) of a parabola through three equally spaced values."""
    denominator = left - 2.0 * centre + right
    if denominator >= 0 or not math.isfinite(denominator):
        return 0.0
    return float(np.clip(0.5 * (left - right) / denominator, -0.5, 0.5))


class HyperbolaStreamDetector:
    """The gpr-hyperbola detector fed trace blocks one after another (explicit state).

    Parameters
    ----------
    geometry : GprHeader
        The line's sampling.
    params : HyperbolaParams, optional
        Parameters.
    stream : str
        Stream name for the candidates.
    all_scores : bool
        Report every object reaching ``hysteresis_low``.

    Notes
    -----
    The look-ahead is ``background // 2 + half_aperture + guard + train`` traces.
    The surface polarity reference is the sign of the mean dewowed sample at time zero over the
    first ``POLARITY_TRACES`` traces (all traces of a shorter line); candidates wait for it.
    """

    POLARITY_TRACES = 50

    def __init__(
        self,
        geometry: GprHeader,
        params: HyperbolaParams | None = None,
        *,
        stream: str = "gpr0",
        all_scores: bool = False,
    ) -> None:
        self.params = params or HyperbolaParams()
        p = self.params
        height = geometry.antenna_height_m if p.antenna_height_m is None else p.antenna_height_m
        self.geometry = geometry
        self.height_m = float(height)
        self.apex_step = max(
            round(p.apex_step_periods / (geometry.frequency_hz * geometry.sample_interval_s)), 1
        )
        self.bank = build_templates(geometry, p, self.height_m, self.apex_step)
        apex_step_periods = self.apex_step * geometry.frequency_hz * geometry.sample_interval_s
        self.semblance_half_window = round(p.semblance_window_periods / apex_step_periods)
        self.pre = GprPreprocessor(geometry, p.background_window_m)
        step = geometry.step_m
        self.cfar = CfarParams(
            method=p.cfar_method,
            guard_rows=max(round(p.guard_m / step), 0),
            train_rows=max(round(p.train_m / step), 1),
            rank_fraction=p.rank_fraction,
        )
        n_s = self.bank.apex_samples.size
        self.n_s = n_s
        half = self.bank.half_aperture
        self.stack_stage = LookaheadStage(self._stack, half, half)
        # no object closer to a line end than the template half aperture: there the stack
        # averages a truncated template over fewer traces (more noise, half a hyperbola) and the
        # CFAR window is one-sided, which made edge false alarms at the grid's flattest velocity
        self.edge_traces = max(round(p.edge_m / step), half)
        span = max(self.cfar.lookahead_rows, self.edge_traces)
        self.cfar_stage = LookaheadStage(self._test, self.cfar.lookback_rows, span)
        self.fine_bank = build_templates(
            geometry, replace(p, n_velocities=N_FINE_VELOCITIES), self.height_m
        )
        self.fit_stage = LookaheadStage(self._fit, half, half)
        period_samples = 1.0 / (geometry.frequency_hz * geometry.sample_interval_s)
        self.pick_half_window = max(round(0.3 * period_samples), 1)
        self.low = min(p.hysteresis_low, p.threshold)
        self.segmenter = Segmenter(
            self.low,
            gap_rows=round(p.gap_m / step),
            min_rows=max(round(p.min_length_m / step), 1),
            n_features=_N_TESTED + 3,
            split_ratio=p.split_ratio,
            distance_column=6,
        )
        self.stream = stream
        self.all_scores = bool(all_scores)
        zero = round(geometry.time_zero_s / geometry.sample_interval_s)
        self._zero_sample = min(max(zero, 0), geometry.n_samples - 1)
        self._surface_sum = 0.0
        self._surface_peak_sum = 0.0
        self._surface_count = 0
        half_period = max(round(0.5 * period_samples), 1)
        self._surface_window = (
            max(self._zero_sample - half_period, 0),
            min(self._zero_sample + half_period + 1, geometry.n_samples),
        )
        self._held: list[Segment] = []
        self._recent: list[Segment] = []
        self.separation_traces = round(p.min_separation_m / step)
        self.sidelobe_traces = max(2 * half, self.separation_traces)

    # stage 1: template stack -> per (trace, apex time): value, fractional velocity index, sign
    def _stack(
        self, buf: npt.NDArray[np.float64], g0: int, start: int, stop: int
    ) -> npt.NDArray[np.float64]:
        n_rows = stop - start
        n_s = self.n_s
        n_v = self.bank.velocities_m_per_s.size
        n_samples = self.geometry.n_samples
        data = np.ascontiguousarray(buf[:, :n_samples])
        signed = np.zeros((n_rows, n_s, n_v), np.float64)
        power = np.zeros((n_rows, n_s, n_v), np.float64)
        if n_rows > 0:
            _kernels.hyperbola_stack_rows(
                data,
                g0,
                start,
                stop,
                self.bank.half_aperture,
                self.bank.table,
                self.bank.weights,
                signed,
                power,
            )
        magnitude = semblance_weighted(
            signed, power, self.semblance_half_window, self.params.semblance_exponent
        )
        best = np.argmax(magnitude, axis=2)
        value = np.max(magnitude, axis=2)
        left = np.take_along_axis(magnitude, np.maximum(best - 1, 0)[..., None], 2)[..., 0]
        centre = np.take_along_axis(magnitude, best[..., None], 2)[..., 0]
        right = np.take_along_axis(magnitude, np.minimum(best + 1, n_v - 1)[..., None], 2)[..., 0]
        denominator = left - 2.0 * centre + right
        inner = (best > 0) & (best < n_v - 1) & (denominator < 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.where(inner, 0.5 * (left - right) / np.where(inner, denominator, 1.0), 0.0)
        fractional = best + np.clip(shift, -0.5, 0.5)
        sign = np.take_along_axis(signed, best[..., None], 2)[..., 0]
        rows = buf[start - g0 : stop - g0]
        return np.column_stack([value, fractional, sign, rows[:, n_samples:], rows[:, :n_samples]])

    # stage 2: CFAR across traces at every apex time -> per-trace statistic and features
    def _test(
        self, buf: npt.NDArray[np.float64], g0: int, start: int, stop: int
    ) -> npt.NDArray[np.float64]:
        n_s = self.n_s
        values = np.ascontiguousarray(buf[:, :n_s])
        test, level = run_cfar_rows(values, g0, start, stop, self.cfar)
        z = ratio(test, level, self.params.level_floor)
        # no objects at the very ends of the line, where the windows are one-sided (only the
        # final call reaches rows within the look-ahead of the end, so this is chunk-exact)
        end = g0 + buf.shape[0] - 1
        rows_index = np.arange(start, stop)
        z[(rows_index < self.edge_traces) | (rows_index > end - self.edge_traces)] = 0.0
        rows = buf[start - g0 : stop - g0]
        n_samples = self.geometry.n_samples
        out = np.zeros((stop - start, _N_TESTED + n_samples), np.float64)
        if stop <= start:
            return out
        out[:, _N_TESTED:] = rows[:, 3 * n_s + 4 :]
        best = np.max(z, axis=1)
        top = self.params.top_fraction
        for k in range(stop - start):
            zk = z[k]
            amplitude = test[k]
            # among the apex times that stand out (a quarter of the best ratio or more), the
            # shallowest whose stack amplitude reaches top_fraction of the largest: the top of
            # the object, not a side lobe nor its bottom echo
            standing = np.flatnonzero(zk >= STANDING_FRACTION * best[k])
            if standing.size:
                strongest = float(np.max(amplitude[standing]))
                s = int(standing[np.argmax(amplitude[standing] >= top * strongest)])
            else:
                s = 0
            while s + 1 < n_s and amplitude[s + 1] > amplitude[s]:
                s += 1
            frac = (
                _parabola_offset(test[k, s - 1], test[k, s], test[k, s + 1])
                if 0 < s < n_s - 1
                else 0.0
            )
            out[k, :_N_TESTED] = (
                best[k],
                self.bank.apex_samples[s] + frac * self.apex_step,
                rows[k, n_s + s],
                rows[k, 2 * n_s + s],
                abs(rows[k, 2 * n_s + s]),
                level[k, s],
                zk[s],
                rows[k, 3 * n_s],
                rows[k, 3 * n_s + 1],
                rows[k, 3 * n_s + 2],
                rows[k, 3 * n_s + 3],
            )
        return out

    # stage 3: pick the flanks around rows that may be objects and fit the velocity to the times
    def _fit(
        self, buf: npt.NDArray[np.float64], g0: int, start: int, stop: int
    ) -> npt.NDArray[np.float64]:
        out = np.zeros((stop - start, _N_TESTED + 4), np.float64)
        if stop <= start:
            return out
        rows = buf[start - g0 : stop - g0]
        out[:, :_N_TESTED] = rows[:, :_N_TESTED]
        end = g0 + buf.shape[0] - 1
        z = buf[:, 0]
        for k in range(stop - start):
            g = start + k
            # only a row that can be a segment's peak needs the fit: z above the low level,
            # above the previous row and not below the next one
            before = z[g - 1 - g0] if g - 1 >= g0 else -math.inf
            after = z[g + 1 - g0] if g + 1 <= end else -math.inf
            if not (rows[k, 0] >= self.low and rows[k, 0] > before and rows[k, 0] >= after):
                out[k, _N_TESTED:] = (rows[k, 1], rows[k, 2], 0.0, 0.0)
                continue
            out[k, _N_TESTED:] = self._fit_row(
                buf, g0, end, start + k, rows[k, 1], rows[k, 2], rows[k, 3]
            )
            # the apex position between traces: a parabola through the statistic of the peak
            # trace and its neighbours (a coarse trace step does not quantise the position)
            if math.isfinite(before) and math.isfinite(after):
                # (distance, time, latitude and longitude alike, so they stay one point)
                shift = _parabola_offset(before, rows[k, 0], after)
                for column in (7, 8, 9, 10):
                    previous = buf[g - 1 - g0, column]
                    following = buf[g + 1 - g0, column]
                    if shift and math.isfinite(previous) and math.isfinite(following):
                        out[k, column] = rows[k, column] + shift * (following - previous) / 2.0
        return out

    def _fit_row(
        self,
        buf: npt.NDArray[np.float64],
        g0: int,
        end: int,
        g: int,
        s_frac: float,
        v_frac: float,
        signed: float,
    ) -> tuple[float, float, float, float]:
        """Refine (apex sample, velocity) of one row from the picked times of its flanks.

        Returns the fractional apex sample, the fractional fine-grid velocity index (negative
        when the fit was not possible: the coarse estimate stays), the number of picks and the
        sign of the apex echo (0 when it could not be picked).
        """
        n_samples = self.geometry.n_samples
        half = self.bank.half_aperture
        sign = 1.0 if signed >= 0 else -1.0
        fine = self.fine_bank
        n_fine = fine.velocities_m_per_s.size
        n_s = fine.apex_samples.size
        first_sample = int(fine.apex_samples[0])
        # coarse velocity index -> fine grid (both log-spaced over the same range)
        coarse_n = self.bank.velocities_m_per_s.size
        v_index = v_frac * (n_fine - 1) / max(coarse_n - 1, 1)
        offsets = np.arange(-half, half + 1)
        traces = g + offsets
        inside = (traces >= 0) & (traces <= end)
        w = self.pick_half_window
        # apex pick refines the apex time
        apex = buf[g - g0, _N_TESTED:]
        centre = min(max(round(s_frac), first_sample), first_sample + n_s - 1)
        # the top of the object on the apex trace: the earliest lobe reaching top_fraction of
        # the largest within [centre - 2w, centre + w] (its sign is the echo's polarity)
        lo, hi = max(centre - 2 * w, 1), min(centre + w, n_samples - 2)
        if hi <= lo:
            return s_frac, -1.0, 0.0, 0.0
        magnitude = np.abs(apex[lo : hi + 1])
        strongest = float(magnitude.max())
        peak = lo + int(np.argmax(magnitude))
        for j in range(magnitude.size):
            left = magnitude[j - 1] if j > 0 else -1.0
            right = magnitude[j + 1] if j + 1 < magnitude.size else -1.0
            if (
                magnitude[j] >= self.params.top_fraction * strongest
                and magnitude[j] >= left
                and magnitude[j] >= right
            ):
                peak = lo + j
                break
        sign = 1.0 if apex[peak] >= 0 else -1.0
        if not 0 < peak < n_samples - 1:
            return s_frac, -1.0, 0.0, 0.0
        apex_pos = peak + _parabola_offset(
            sign * apex[peak - 1], sign * apex[peak], sign * apex[peak + 1]
        )
        apex_amplitude = sign * apex[peak]
        if apex_amplitude <= 0:
            return s_frac, -1.0, 0.0, 0.0
        s_new = float(np.clip(apex_pos, first_sample, first_sample + n_s - 1.0))
        s_rel = s_new - first_sample
        s_lo = min(int(np.floor(s_rel)), n_s - 2) if n_s > 1 else 0
        s_w = s_rel - s_lo if n_s > 1 else 0.0
        picks = np.full(offsets.size, np.nan)
        weights = np.zeros(offsets.size)
        table = fine.table
        n_picks = 0
        for _ in range(2):
            vi = int(np.clip(round(v_index), 0, n_fine - 1))
            expected = (1 - s_w) * table[vi, s_lo] + s_w * table[vi, min(s_lo + 1, n_s - 1)]
            picks[:] = np.nan
            weights[:] = 0.0
            for a in np.flatnonzero(inside):
                pos = expected[a]
                if pos < 0:
                    continue
                c = round(pos)
                lo, hi = max(c - w, 1), min(c + w, n_samples - 2)
                if hi <= lo:
                    continue
                trace = buf[traces[a] - g0, _N_TESTED:]
                values = sign * trace[lo : hi + 1]
                j = int(np.argmax(values))
                if j == 0 or j == values.size - 1 or values[j] < PICK_FRACTION * apex_amplitude:
                    continue
                p = lo + j
                picks[a] = p + _parabola_offset(
                    sign * trace[p - 1], sign * trace[p], sign * trace[p + 1]
                )
                weights[a] = values[j] ** 2
            used = np.isfinite(picks)
            n_picks = int(np.count_nonzero(used))
            if n_picks < 5 or np.max(np.abs(offsets[used])) < 3:
                return s_new, -1.0, float(n_picks), sign
            model = (1 - s_w) * table[:, s_lo, :] + s_w * table[:, min(s_lo + 1, n_s - 1), :]
            valid = np.all(model[:, used] >= 0, axis=1)
            residual = np.where(
                valid,
                np.sum(weights[used] * (model[:, used] - picks[used]) ** 2, axis=1),
                np.inf,
            )
            best = int(np.argmin(residual))
            if not np.isfinite(residual[best]):
                return s_new, -1.0, float(n_picks), sign
            shift = 0.0
            if 0 < best < n_fine - 1 and np.all(np.isfinite(residual[best - 1 : best + 2])):
                shift = _parabola_offset(-residual[best - 1], -residual[best], -residual[best + 1])
            v_index = best + shift
        return s_new, float(v_index), float(n_picks), sign

    def process(
        self,
        traces: npt.ArrayLike,
        distance_m: npt.ArrayLike | None = None,
        *,
        lat_deg: npt.ArrayLike | None = None,
        lon_deg: npt.ArrayLike | None = None,
        final: bool = False,
    ) -> list[Candidate]:
        """Feed the next traces with their positions.

        Parameters
        ----------
        traces : array_like, shape (n_new, n_samples)
            The next raw traces (any real dtype).
        distance_m : array_like, shape (n_new,), optional
            Along-lane position of each trace, m (else the trace step from the geometry).
        lat_deg, lon_deg : array_like, shape (n_new,), optional
            WGS84 position of each trace, deg.
        final : bool
            True on the last call (same as calling :meth:`finish` afterwards).

        Returns
        -------
        list of Candidate
            The candidates of objects that are complete (none may come later for them).
        """
        data = np.asarray(traces)
        if data.ndim == 2 and self._surface_count < self.POLARITY_TRACES and data.shape[0]:
            from detsig.dsp import dewow

            take = data[: self.POLARITY_TRACES - self._surface_count].astype(np.float64)
            dewowed = dewow(take, self.pre.dewow_samples)
            self._surface_sum += float(np.sum(dewowed[:, self._zero_sample]))
            lo, hi = self._surface_window
            self._surface_peak_sum += float(np.sum(np.max(np.abs(dewowed[:, lo:hi]), axis=1)))
            self._surface_count += take.shape[0]
        y, aux = self.pre.process(data, distance_m, lat_deg=lat_deg, lon_deg=lon_deg, final=final)
        stacked = self.stack_stage.push(np.column_stack([y, aux]), final=final)
        tested = self.cfar_stage.push(stacked, final=final)
        fitted = self.fit_stage.push(tested, final=final)
        segments = self.segmenter.push(fitted[:, 0], fitted[:, 1:], final=final)
        self._held.extend(segments)
        self._recent.extend(segments)
        if self._surface_count < self.POLARITY_TRACES and not final:
            return []
        # a segment is final once no later one can peak within the sidelobe reach of it
        safe_row = math.inf if final else self.segmenter.safe_row
        reach = self.sidelobe_traces
        ready = [seg for seg in self._held if seg.peak_row + reach < safe_row]
        self._held = [seg for seg in self._held if seg.peak_row + reach >= safe_row]
        found = []
        for seg in ready:
            # the flank of a much stronger object reaching the edge of the templates
            sidelobe = any(
                other is not seg
                and (
                    (
                        abs(other.peak_row - seg.peak_row) <= self.bank.half_aperture
                        and other.peak * self.params.sidelobe_ratio > seg.peak
                    )
                    or (
                        abs(other.peak_row - seg.peak_row) <= 2 * self.bank.half_aperture
                        and other.peak * self.params.far_sidelobe_ratio > seg.peak
                    )
                    or (
                        abs(other.peak_row - seg.peak_row) <= self.separation_traces
                        and other.peak > seg.peak
                    )
                )
                for other in self._recent
            )
            if not sidelobe:
                candidate = self._candidate(seg)
                if candidate is not None:
                    found.append(candidate)
        oldest = min([seg.peak_row for seg in self._held] + [safe_row]) - 2 * reach
        self._recent = [seg for seg in self._recent if seg.peak_row >= oldest]
        return found

    def finish(self) -> list[Candidate]:
        """End of the stream.

        Returns
        -------
        list of Candidate
            The remaining candidates.
        """
        return self.process(np.empty((0, self.geometry.n_samples)), final=True)

    @property
    def safe_distance_m(self) -> float:
        """No candidate returned later lies before this distance, m (NaN: unknown)."""
        safe = self.segmenter.safe_distance_m
        for segment in self._held:
            safe = min(safe, float(segment.features[6]))
        return safe

    @property
    def surface_amplitude(self) -> float:
        """Mean peak magnitude of the dewowed ground-surface echo (time zero +- half a period)
        over the first ``POLARITY_TRACES`` traces, in the data's units (NaN before any)."""
        if not self._surface_count:
            return math.nan
        return self._surface_peak_sum / self._surface_count

    @property
    def surface_sign(self) -> float:
        """Sign of the ground-surface echo (+1 or -1; +1 when unknown)."""
        return -1.0 if self._surface_sum < 0 else 1.0

    def _candidate(self, segment: Segment) -> Candidate | None:
        p = self.params
        if not self.all_scores and segment.peak < p.threshold:
            return None
        f = segment.features
        s_frac, v_frac, sign, amplitude, level, z_top = (float(v) for v in f[:6])
        bank = self.bank
        n_picks = int(f[12])
        if f[11] >= 0:
            bank = self.fine_bank
            v_frac = float(f[11])
        s_frac = float(f[10])
        dt = self.geometry.sample_interval_s
        t0 = s_frac * dt - self.geometry.time_zero_s
        log_v = np.log(bank.velocities_m_per_s)
        i0 = min(math.floor(v_frac), log_v.size - 1)
        frac = v_frac - i0
        lv = log_v[i0] + (frac * (log_v[i0 + 1] - log_v[i0]) if i0 + 1 < log_v.size else 0.0)
        velocity = float(math.exp(lv))
        depth = velocity * max(t0, 0.0) / 2.0
        eps_r = (SPEED_OF_LIGHT_M_PER_S / velocity) ** 2
        # a fit that ends on the first or last velocity of the grid did not find the minimum:
        # the velocity (hence eps_r and depth) is not measured, only bounded by the grid
        at_limit = v_frac <= 0.0 or v_frac >= log_v.size - 1
        if f[13] != 0:
            sign = float(f[13])
        polarity = 1 if sign * self.surface_sign >= 0 else -1
        path_m = self.height_m + depth
        surface = self.surface_amplitude
        # spreading-compensated apex amplitude relative to the ground-surface echo (seen over
        # the antenna height): a reflectivity with the radar's gain and units divided out
        relative = (
            amplitude * path_m / max(self.height_m, MIN_SPREADING_PATH_M) / surface
            if surface > 0
            else math.nan
        )
        extras: dict[str, Any] = {
            "apex_trace": segment.peak_row,
            "two_way_time_s": t0,
            "velocity_m_per_s": None if at_limit else velocity,
            "relative_permittivity": None if at_limit else round(eps_r, 4),
            "velocity_at_grid_limit": at_limit,
            "polarity": polarity,
            "apex_amplitude": round(amplitude, 4),
            "reflection_strength": round(relative, 6),
            "apex_snr": round(z_top, 4),
            "noise_level": round(level, 4),
            "n_traces": segment.last_row - segment.start_row + 1,
            "n_picks": n_picks,
        }
        if at_limit:
            # the depth at the grid's limiting velocity: a bound for the fusion rules, not a
            # measurement (depth_m is NaN)
            extras["depth_at_grid_limit_m"] = depth
            depth = math.nan
        return segment.candidate(
            DETECTOR_NAME, self.stream, extras, position_column=6, depth_m=depth
        )


def detect_hyperbolas(
    scan: GprScan,
    params: HyperbolaParams | None = None,
    *,
    all_scores: bool = False,
    **kwargs: Any,
) -> list[Candidate]:
    """Run the gpr-hyperbola detector over a whole GPR line.

    Parameters
    ----------
    scan : GprScan
        Traces (n_traces, n_samples) with header and positions.
    params : HyperbolaParams, optional
        Parameters; keyword arguments override single fields.
    all_scores : bool
        Report every object reaching ``hysteresis_low``.

    Returns
    -------
    list of Candidate
        With ``depth_m`` (m; NaN when the velocity fit is at the grid limit) and extras
        ``two_way_time_s``, ``velocity_m_per_s``, ``relative_permittivity`` (None at the grid
        limit), ``velocity_at_grid_limit``, ``depth_at_grid_limit_m`` (only then),
        ``polarity``, ``apex_amplitude``, ``reflection_strength``.
    """
    params = resolve_params(HyperbolaParams, "gpr-hyperbola", params, kwargs)
    detector = HyperbolaStreamDetector(
        resolve_scan_header(scan), params, stream=scan.name, all_scores=all_scores
    )
    return detector.process(
        scan.data, scan.distance_m, lat_deg=scan.lat_deg, lon_deg=scan.lon_deg, final=True
    )
