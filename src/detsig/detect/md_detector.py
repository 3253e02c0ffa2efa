"""Metal-detector anomaly detector: baseline tracking, CFAR, hysteresis, one candidate per pass.

Processing of the frames (n_frames, n_channels), every step causal or with a fixed look-ahead,
so that the streaming form gives exactly the batch result:

1. **Baseline tracking**: the trailing running median of each channel over
   ``baseline_window_s`` is subtracted (:func:`detsig.dsp.remove_baseline`): temperature drift
   and the slowly varying soil response go, a target shorter than half the window stays.
2. **Detection signal**: for a pulse-induction detector the sum of the selected gates (metal
   responds with the same sign in every gate); for a VLF detector the magnitude of the I/Q
   vector.
3. **CFAR** (:mod:`detsig.detect.cfar`, CA by default, OS selectable): the mean magnitude of a
   short cell centred on each frame over the level of training frames on both sides beyond
   guard frames that cover a target's own response. The ratio is the statistic ``z``.
4. **Hysteresis and minimum duration**: a pass opens when ``z`` reaches ``hysteresis_low``,
   lasts while it stays there (dips shorter than ``gap_s`` are bridged, e.g. the sweep moving
   the coil off the object) and is kept when it lasts ``min_duration_s``; it is reported when
   its peak reaches ``threshold``. One candidate per pass, at the frame of the peak, with the
   peak ``z`` as score.
5. **Discrimination features** at the peak: for PI the decay time constant ``tau`` (and
   exponent ``beta``) of a Pasion-Oldenburg fit ``k t^-beta exp(-t / tau)`` across the gates
   that stand out of the noise (big or very conductive parts decay slowly: metal-cased mines
   and UXO have long ``tau``, fragments short); for VLF the response phase ``atan2(Q, I)``.

References
----------
.. [1] Finn, H. M. and Johnson, R. S. (1968). Adaptive detection mode with threshold control
   as a function of spatially sampled clutter-level estimates. *RCA Review* 29(3), 414-464.
.. [2] Rohling, H. (1983). Radar CFAR thresholding in clutter and multiple target situations.
   *IEEE Trans. AES* 19(4), 608-621.
.. [3] Pasion, L. R. and Oldenburg, D. W. (2001). A discrimination algorithm for UXO using
   time domain electromagnetics. *J. Environ. Eng. Geophys.* 6(2), 91-102.
.. [4] Bruschini, C. (2002). *A multidisciplinary analysis of frequency domain metal detectors
   for humanitarian demining*, PhD thesis, Vrije Universiteit Brussel (VLF phase, ground).
.. [5] Canny, J. (1986). A computational approach to edge detection. *IEEE Trans. PAMI* 8(6),
   679-698 (hysteresis thresholding).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from detsig.detect import _kernels
from detsig.detect._params import DetectorParams, resolve_params
from detsig.detect._stream import LookaheadStage, Segment, Segmenter
from detsig.detect.cfar import CfarParams, ratio, run_cfar_rows
from detsig.detect.gpr_common import row_values
from detsig.errors import InputError
from detsig.model import Candidate, MdSeries

DETECTOR_NAME = "md-cfar"
#: Decay time constants are capped here, s (a fit finding no decay across the gates).
MAX_TIME_CONSTANT_S = 0.01


@dataclass(frozen=True)
class MdDetectorParams(DetectorParams):
    """Parameters of the metal-detector detector (times in seconds of recording).

    Parameters
    ----------
    threshold : float
        Score (CFAR ratio) a pass must reach to be reported.
    hysteresis_low : float
        Level that opens and sustains a pass (also the floor of ``all_scores`` output).
    baseline_window_s : float
        Trailing median window of the baseline, s (several times a target's pass).
    cfar_method : {"ca", "os"}
        Cell averaging or ordered statistic.
    guard_s, train_s : float
        CFAR guard and training lengths on each side, s.
    cell_s : float
        Length of the cell under test, s.
    rank_fraction : float
        OS-CFAR rank.
    level_floor : float
        Smallest CFAR level, counts (keeps ``z`` finite over a silent channel).
    min_duration_s : float
        Shortest pass kept, s.
    gap_s : float
        Longest dip below ``hysteresis_low`` bridged within one pass, s.
    channels : tuple of str or None
        Channels used (default all).
    technology : {"auto", "pi", "vlf"}
        Pulse induction (gates) or VLF (``I``/``Q``); ``auto`` tells by the channel names.
    fit_snr : float
        A gate enters the decay fit when its cell mean reaches this multiple of its level.
    """

    detector_name: ClassVar[str] = "md-cfar"

    threshold: float = 6.0
    hysteresis_low: float = 3.0
    baseline_window_s: float = 2.0
    cfar_method: str = "ca"
    guard_s: float = 0.3
    train_s: float = 0.6
    cell_s: float = 0.04
    rank_fraction: float = 0.75
    level_floor: float = 1.0
    min_duration_s: float = 0.02
    gap_s: float = 0.15
    channels: tuple[str, ...] | None = None
    technology: str = "auto"
    fit_snr: float = 4.0

    def __post_init__(self) -> None:
        for name in ("threshold", "hysteresis_low", "level_floor", "fit_snr"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise InputError(f"md-cfar {name} must be a number >= 0, got {value}")
            object.__setattr__(self, name, value)
        for name in (
            "baseline_window_s",
            "guard_s",
            "train_s",
            "cell_s",
            "min_duration_s",
            "gap_s",
        ):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise InputError(f"md-cfar {name} must be a time >= 0 s, got {value}")
            object.__setattr__(self, name, value)
        if self.technology not in ("auto", "pi", "vlf"):
            raise InputError(f"md-cfar technology must be auto, pi or vlf, got {self.technology!r}")
        if self.channels is not None:
            object.__setattr__(self, "channels", tuple(str(c) for c in self.channels))


def fit_decay(
    delays_s: Sequence[float], amplitudes: npt.ArrayLike, usable: npt.ArrayLike
) -> tuple[float, float]:
    """Fit a Pasion-Oldenburg decay ``k t^-beta exp(-t / tau)`` to gate amplitudes.

    Parameters
    ----------
    delays_s : sequence of float, shape (n_gates,)
        Gate delays after the pulse, s.
    amplitudes : array_like, shape (n_gates,)
        Response in each gate (positive for metal).
    usable : array_like of bool, shape (n_gates,)
        Gates that stand out of the noise.

    Returns
    -------
    tau_s : float
        Time constant, s (``inf`` when the fit finds no exponential decay; NaN with fewer than
        two usable gates, or with two whose decay is slower than ``1/t``).
    beta : float
        Power-law exponent; with only two gates it cannot be told apart from ``tau`` and is
        taken as 1 (the value of ferrous parts; a non-ferrous part, ``beta = 0.5``, then
        looks slower, never faster). NaN when unknown.

    Notes
    -----
    ``ln a = ln k - beta ln t - t / tau`` is linear in ``(ln k, beta, 1/tau)``: a weighted
    least-squares fit (weights ``a^2``, the inverse variance of ``ln a`` for additive noise).

    References
    ----------
    .. [1] Pasion, L. R. and Oldenburg, D. W. (2001). *J. Environ. Eng. Geophys.* 6(2), 91-102.

    Examples
    --------
    >>> t = np.array([1e-5, 3e-5, 1e-4, 3e-4])
    >>> a = 100 * (t / 1e-5) ** -1.0 * np.exp(-t / 2e-4)
    >>> tau, beta = fit_decay(t, a, [True] * 4)
    >>> round(tau * 1e6), round(beta, 3)
    (200, 1.0)
    """
    t = np.asarray(delays_s, dtype=np.float64)
    a = np.asarray(amplitudes, dtype=np.float64)
    ok = np.asarray(usable, dtype=bool) & (a > 0) & (t > 0)
    t, a = t[ok], a[ok]
    if t.size < 2:
        return math.nan, math.nan
    if t.size == 2:
        # beta = 1: ln(a t) = ln k - t / tau
        y = np.log(a * t)
        slope = float((y[1] - y[0]) / (t[1] - t[0]))
        return (float(-1.0 / slope), 1.0) if slope < 0 else (math.nan, math.nan)
    weights = a / a.max()
    design = np.stack([np.ones_like(t), -np.log(t), -t], axis=1) * weights[:, None]
    solution, *_ = np.linalg.lstsq(design, np.log(a) * weights, rcond=None)
    inverse_tau = float(solution[2])
    tau = math.inf if inverse_tau <= 0 else 1.0 / inverse_tau
    return tau, float(solution[1])


def _technology(params: MdDetectorParams, names: Sequence[str]) -> str:
    if params.technology != "auto":
        return params.technology
    lowered = [n.lower() for n in names]
    return "vlf" if "i" in lowered and "q" in lowered else "pi"


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


class MdStreamDetector:
    """The md-cfar detector fed frame blocks one after another (explicit state).

    Parameters
    ----------
    sample_rate_hz : float
        Frame rate, Hz.
    channel_names : sequence of str
        Names of the stream's channels.
    gate_delays_s : sequence of float
        PI gate delays, s (may be empty: no decay fit).
    params : MdDetectorParams
        Detector parameters.
    stream : str
        Stream name written into the candidates.
    all_scores : bool
        Report every pass that reaches ``hysteresis_low`` (for ROC sweeps).

    Notes
    -----
    :meth:`process` returns the candidates whose pass has ended; :meth:`finish` the rest.
    Joined, they equal :func:`detect_md` on all frames, whatever the block sizes.
    """

    def __init__(
        self,
        sample_rate_hz: float,
        channel_names: Sequence[str],
        gate_delays_s: Sequence[float] = (),
        params: MdDetectorParams | None = None,
        *,
        stream: str = "md0",
        all_scores: bool = False,
    ) -> None:
        from detsig.dsp import remove_baseline_stream

        self.params = params or MdDetectorParams()
        p = self.params
        self.sample_rate_hz = float(sample_rate_hz)
        if not math.isfinite(self.sample_rate_hz) or self.sample_rate_hz <= 0:
            raise InputError(f"the MD frame rate must be > 0 Hz, got {sample_rate_hz}")
        names = [str(n) for n in channel_names]
        wanted = p.channels if p.channels is not None else tuple(names)
        missing = [c for c in wanted if c not in names]
        if missing:
            raise InputError(
                f"md-cfar channel {missing[0]!r} is not in this stream (it has {', '.join(names)})"
            )
        self.channel_index = [names.index(c) for c in wanted]
        self.channel_names = tuple(wanted)
        self.technology = _technology(p, self.channel_names)
        delays = list(gate_delays_s)
        self.gate_delays_s = (
            [float(delays[i]) for i in self.channel_index]
            if len(delays) == len(names) and self.technology == "pi"
            else []
        )
        self.stream = stream
        self.all_scores = bool(all_scores)
        rate = self.sample_rate_hz
        self.cfar = CfarParams(
            method=p.cfar_method,
            guard_rows=max(round(p.guard_s * rate), 0),
            train_rows=max(round(p.train_s * rate), 1),
            cell_half=max(round(p.cell_s * rate / 2), 0),
            rank_fraction=p.rank_fraction,
        )
        self.baseline_frames = max(round(p.baseline_window_s * rate), 1)
        self.low = min(p.hysteresis_low, p.threshold)
        n = len(self.channel_index)
        self.n_channels = n
        self.stage = LookaheadStage(
            self._compute, self.cfar.lookback_rows, self.cfar.lookahead_rows
        )
        # features: distance, time, lat, lon, signed cell means (n), test (n), level (n)
        self.segmenter = Segmenter(
            self.low,
            gap_rows=round(p.gap_s * rate),
            min_rows=max(round(p.min_duration_s * rate), 1),
            n_features=4 + 3 * n,
            distance_column=0,
        )
        self._baseline_state: Any = None
        self._remove_baseline = remove_baseline_stream
        self.n_frames = 0

    def _compute(
        self, buf: npt.NDArray[np.float64], g0: int, start: int, stop: int
    ) -> npt.NDArray[np.float64]:
        n = self.n_channels
        signal = np.ascontiguousarray(buf[:, : 1 + n])
        test, level = run_cfar_rows(signal, g0, start, stop, self.cfar)
        gates = np.ascontiguousarray(buf[:, 1 : 1 + n])
        signed = np.empty((stop - start, n), np.float64)
        if stop > start:
            _kernels.cell_mean_rows(gates, g0, self.cfar.cell_half, start, stop, signed)
        z = ratio(test[:, 0], level[:, 0], self.params.level_floor)
        aux = buf[start - g0 : stop - g0, 1 + n :]
        return np.column_stack([z, aux, signed, test[:, 1:], level[:, 1:]])

    def process(
        self,
        frames: npt.ArrayLike,
        distance_m: npt.ArrayLike | None = None,
        *,
        lat_deg: npt.ArrayLike | None = None,
        lon_deg: npt.ArrayLike | None = None,
        final: bool = False,
    ) -> list[Candidate]:
        """Feed the next frames; returns the candidates of passes that have ended.

        Parameters
        ----------
        frames : array_like, shape (n_new, n_channels_of_stream)
            Raw frames (any real dtype).
        distance_m : array_like, shape (n_new,), optional
            Along-lane position of each frame, m.
        lat_deg, lon_deg : array_like, shape (n_new,), optional
            WGS84 position of each frame, deg.
        final : bool
            True on the last call (same as calling :meth:`finish` afterwards).

        Returns
        -------
        list of Candidate
            One per pass that has ended (at its peak frame).
        """
        data = np.asarray(frames)
        if data.ndim != 2:
            raise InputError(f"MD frames must be 2-D (frames, channels), got {data.ndim}-D")
        data = np.ascontiguousarray(data[:, self.channel_index], dtype=np.float64)
        n_new = data.shape[0]
        distance = row_values("distance_m", distance_m, n_new)
        lat = row_values("lat_deg", lat_deg, n_new)
        lon = row_values("lon_deg", lon_deg, n_new)
        baseline_removed, self._baseline_state = self._remove_baseline(
            data,
            method="median",
            window_frames=self.baseline_frames,
            state=self._baseline_state,
        )
        b = np.asarray(baseline_removed, dtype=np.float64)
        if self.technology == "vlf" and b.shape[1] >= 2:
            x = np.hypot(b[:, 0], b[:, 1])
        else:
            x = b.sum(axis=1)
        time_s = (self.n_frames + np.arange(n_new)) / self.sample_rate_hz
        self.n_frames += n_new
        rows = np.column_stack([x, b, distance, time_s, lat, lon])
        out = self.stage.push(rows, final=final)
        segments = self.segmenter.push(out[:, 0], out[:, 1:], final=final)
        return [c for c in (self._candidate(s) for s in segments) if c is not None]

    def finish(self) -> list[Candidate]:
        """End of the stream.

        Returns
        -------
        list of Candidate
            The candidates of the passes still open.
        """
        if self.stage.history is None:
            return []
        return self.process(np.empty((0, max(self.channel_index, default=0) + 1)), final=True)

    def _candidate(self, segment: Segment) -> Candidate | None:
        p = self.params
        if not self.all_scores and segment.peak < p.threshold:
            return None
        n = self.n_channels
        f = segment.features
        signed = f[4 : 4 + n]
        test = f[4 + n : 4 + 2 * n]
        level = f[4 + 2 * n : 4 + 3 * n]
        extras: dict[str, Any] = {
            "peak_frame": segment.peak_row,
            "n_frames": segment.last_row - segment.start_row + 1,
            "technology": self.technology,
            "peak_counts": round(float(np.sum(signed)), 4),
            "channel_snr": [
                round(float(t / max(lv, p.level_floor)), 3)
                for t, lv in zip(test, level, strict=True)
            ],
        }
        if self.technology == "pi" and self.gate_delays_s:
            usable = test >= p.fit_snr * np.maximum(level, p.level_floor)
            tau, beta = fit_decay(self.gate_delays_s, signed, usable & (signed > 0))
            extras["decay_time_constant_s"] = _finite_or_none(min(tau, MAX_TIME_CONSTANT_S))
            extras["decay_beta"] = _finite_or_none(beta)
            extras["n_gates_fitted"] = int(np.count_nonzero(usable & (signed > 0)))
        elif self.technology == "vlf" and n >= 2:
            extras["vlf_phase_deg"] = round(math.degrees(math.atan2(signed[1], signed[0])), 3)
        return segment.candidate(DETECTOR_NAME, self.stream, extras)


def detect_md(
    series: MdSeries,
    params: MdDetectorParams | None = None,
    *,
    all_scores: bool = False,
    lat_deg: npt.ArrayLike | None = None,
    lon_deg: npt.ArrayLike | None = None,
    **kwargs: Any,
) -> list[Candidate]:
    """Run the md-cfar detector over a whole metal-detector series.

    Parameters
    ----------
    series : MdSeries
        Frames (n_frames, n_channels) with rate, channel names, gate delays and positions.
    params : MdDetectorParams, optional
        Parameters; keyword arguments override single fields.
    all_scores : bool
        Report every pass reaching ``hysteresis_low``, not only those reaching ``threshold``.
    lat_deg, lon_deg : array_like, shape (n_frames,), optional
        WGS84 position of each frame (copied into the candidates).

    Returns
    -------
    list of Candidate
        One per pass, in order of the pass's end; ``score`` is the peak CFAR ratio, extras
        hold ``decay_time_constant_s`` (PI) or ``vlf_phase_deg`` (VLF).

    Examples
    --------
    >>> rate = 500.0
    >>> x = np.zeros((2000, 1)) + np.random.default_rng(0).normal(0, 2, (2000, 1))
    >>> x[1000:1050, 0] += 200.0
    >>> found = detect_md(MdSeries(x, rate, ("gate0",)))
    >>> len(found), 1000 <= found[0].extras["peak_frame"] < 1050
    (1, True)
    """
    params = resolve_params(MdDetectorParams, "md-cfar", params, kwargs)
    detector = MdStreamDetector(
        series.sample_rate_hz,
        series.channel_names,
        series.gate_delays_s,
        params,
        stream=series.name,
        all_scores=all_scores,
    )
    return detector.process(
        series.data, series.distance_m, lat_deg=lat_deg, lon_deg=lon_deg, final=True
    )
