"""GPR energy prescreener: background removal, then CFAR across traces in a depth window.

The fast first stage of landmine GPR processing: after the flat ground echo and the antenna
ringing are removed, a buried object shows as extra energy in the traces above it.

1. Preprocessing (:mod:`detsig.detect.gpr_common`): dewow, sliding-median background removal.
2. **Energy**: the root-mean-square amplitude of each trace within the two-way-time window
   ``[min_time_s, max_time_s]`` after time zero (the depth window), after a linear time gain
   that compensates the geometric spreading of deeper echoes.
3. **CFAR across traces** (OS by default, CA selectable): the energy of a short cell of traces
   over the level of the training traces on both sides beyond guard traces.
4. **Hysteresis / one candidate per object** along the traces; the candidate's two-way time is
   that of the largest amplitude of the peak trace's window, its depth ``v t / 2`` with the
   velocity of the ``relative_permittivity`` parameter (NaN when not given: the prescreener
   does not estimate velocity).

References
----------
.. [1] Torrione, P. A., Collins, L. M., Clodfelter, F., Frasier, S. and Starnes, I. (2003).
   Application of the LMS algorithm to anomaly detection using the Wichmann/NIITEK
   ground-penetrating radar. *Proc. SPIE* 5089, 1127-1136 (energy prescreening of
   background-removed GPR data).
.. [2] Gader, P., Lee, W.-H. and Wilson, J. N. (2004). Detecting landmines with
   ground-penetrating radar using feature-based rules, order statistics, and adaptive
   whitening. *IEEE Trans. Geosci. Remote Sens.* 42(11), 2522-2534.
.. [3] Rohling, H. (1983). Radar CFAR thresholding in clutter and multiple target situations.
   *IEEE Trans. AES* 19(4), 608-621.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from detsig.detect._params import DetectorParams, resolve_params
from detsig.detect._stream import LookaheadStage, Segment, Segmenter
from detsig.detect.cfar import CfarParams, ratio, run_cfar_rows
from detsig.detect.gpr_common import GprPreprocessor
from detsig.dsp.header import resolve_scan_header
from detsig.errors import InputError
from detsig.model import Candidate, GprHeader, GprScan, velocity_from_permittivity

DETECTOR_NAME = "gpr-energy"


@dataclass(frozen=True)
class EnergyParams(DetectorParams):
    """Parameters of the energy prescreener.

    Parameters
    ----------
    threshold : float
        Score (CFAR ratio of the window energy) to report.
    hysteresis_low : float
        Level that opens and sustains an object.
    min_time_s, max_time_s : float
        Two-way-time window after time zero, s (the depth window).
    background_window_m : float
        Background-removal window, m.
    cfar_method : {"os", "ca"}
        CFAR across traces.
    guard_m, train_m, cell_m : float
        CFAR guard and training lengths on each side, and cell length, m.
    rank_fraction : float
        OS-CFAR rank.
    level_floor : float
        Smallest CFAR level, counts.
    min_length_m, gap_m : float
        Shortest object kept, longest dip bridged, m.
    split_ratio : float
        Split an object where the statistic falls below this fraction of its peak (0: never).
    edge_m : float
        Nothing is reported this close to either end of the line, m.
    relative_permittivity : float or None
        Soil permittivity for the depth estimate (None: depth NaN).
    """

    detector_name: ClassVar[str] = "gpr-energy"

    threshold: float = 1.7
    hysteresis_low: float = 1.4
    min_time_s: float = 0.6e-9
    max_time_s: float = 6e-9
    background_window_m: float = 1.5
    cfar_method: str = "os"
    guard_m: float = 0.12
    train_m: float = 0.4
    cell_m: float = 0.04
    rank_fraction: float = 0.75
    level_floor: float = 1e-3
    min_length_m: float = 0.02
    gap_m: float = 0.05
    split_ratio: float = 0.5
    edge_m: float = 0.1
    relative_permittivity: float | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.min_time_s < self.max_time_s:
            raise InputError(
                f"gpr-energy needs 0 <= min_time_s < max_time_s, got {self.min_time_s} and "
                f"{self.max_time_s}"
            )
        if self.relative_permittivity is not None and not self.relative_permittivity >= 1:
            raise InputError(
                f"gpr-energy relative_permittivity must be >= 1, got {self.relative_permittivity}"
            )


class EnergyStreamDetector:
    """The gpr-energy detector fed trace blocks one after another (explicit state).

    Parameters
    ----------
    geometry : GprHeader
        The line's sampling.
    params : EnergyParams, optional
        Parameters.
    stream : str
        Stream name for the candidates.
    all_scores : bool
        Report every object reaching ``hysteresis_low``.
    """

    def __init__(
        self,
        geometry: GprHeader,
        params: EnergyParams | None = None,
        *,
        stream: str = "gpr0",
        all_scores: bool = False,
    ) -> None:
        self.params = params or EnergyParams()
        p = self.params
        self.geometry = geometry
        self.pre = GprPreprocessor(geometry, p.background_window_m)
        dt = geometry.sample_interval_s
        first = math.ceil((geometry.time_zero_s + p.min_time_s) / dt)
        last = math.floor((geometry.time_zero_s + p.max_time_s) / dt)
        self.first = max(first, 0)
        self.last = min(last, geometry.n_samples - 1)
        if self.last < self.first:
            raise InputError(
                "the traces end before the gpr-energy time window; lower min_time_s "
                f"(the traces cover {geometry.n_samples * dt * 1e9:.2f} ns)"
            )
        time_after_zero = np.arange(self.first, self.last + 1) * dt - geometry.time_zero_s
        self.gain = np.maximum(time_after_zero, dt) / 1e-9
        step = geometry.step_m
        self.cfar = CfarParams(
            method=p.cfar_method,
            guard_rows=max(round(p.guard_m / step), 0),
            train_rows=max(round(p.train_m / step), 1),
            cell_half=max(round(p.cell_m / step / 2), 0),
            rank_fraction=p.rank_fraction,
        )
        span = self.cfar.lookahead_rows
        self.edge_traces = min(round(p.edge_m / step), span)
        self.stage = LookaheadStage(self._test, self.cfar.lookback_rows, span)
        self.low = min(p.hysteresis_low, p.threshold)
        self.segmenter = Segmenter(
            self.low,
            gap_rows=round(p.gap_m / step),
            min_rows=max(round(p.min_length_m / step), 1),
            n_features=6,
            split_ratio=p.split_ratio,
            distance_column=0,
        )
        self.stream = stream
        self.all_scores = bool(all_scores)

    def _test(
        self, buf: npt.NDArray[np.float64], g0: int, start: int, stop: int
    ) -> npt.NDArray[np.float64]:
        signal = np.ascontiguousarray(buf[:, :1])
        test, level = run_cfar_rows(signal, g0, start, stop, self.cfar)
        z = ratio(test[:, 0], level[:, 0], self.params.level_floor)
        end = g0 + buf.shape[0] - 1
        index = np.arange(start, stop)
        z[(index < self.edge_traces) | (index > end - self.edge_traces)] = 0.0
        rows = buf[start - g0 : stop - g0]
        return np.column_stack([z, rows[:, 1:], test[:, 0]])

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
        y, aux = self.pre.process(traces, distance_m, lat_deg=lat_deg, lon_deg=lon_deg, final=final)
        window = y[:, self.first : self.last + 1] * self.gain[None, :]
        rms = np.sqrt(np.mean(window * window, axis=1)) if window.size else np.zeros(len(y))
        peak_sample = self.first + (
            np.argmax(np.abs(window), axis=1) if window.size else np.zeros(len(y), np.int64)
        )
        rows = np.column_stack([rms, aux, peak_sample])
        out = self.stage.push(rows, final=final)
        segments = self.segmenter.push(out[:, 0], out[:, 1:], final=final)
        return [c for c in (self._candidate(s) for s in segments) if c is not None]

    def finish(self) -> list[Candidate]:
        """End of the stream.

        Returns
        -------
        list of Candidate
            The remaining candidates.
        """
        return self.process(np.empty((0, self.geometry.n_samples)), final=True)

    def _candidate(self, segment: Segment) -> Candidate | None:
        p = self.params
        if not self.all_scores and segment.peak < p.threshold:
            return None
        sample, energy = (float(v) for v in segment.features[4:6])
        two_way = sample * self.geometry.sample_interval_s - self.geometry.time_zero_s
        depth = math.nan
        if p.relative_permittivity is not None:
            depth = velocity_from_permittivity(p.relative_permittivity) * two_way / 2.0
        extras = {
            "peak_trace": segment.peak_row,
            "two_way_time_s": two_way,
            "window_rms": round(energy, 4),
            "n_traces": segment.last_row - segment.start_row + 1,
        }
        return segment.candidate(DETECTOR_NAME, self.stream, extras, depth_m=depth)


def detect_energy(
    scan: GprScan,
    params: EnergyParams | None = None,
    *,
    all_scores: bool = False,
    **kwargs: Any,
) -> list[Candidate]:
    """Run the gpr-energy prescreener over a whole GPR line.

    Parameters
    ----------
    scan : GprScan
        Traces (n_traces, n_samples) with header and positions.
    params : EnergyParams, optional
        Parameters; keyword arguments override single fields.
    all_scores : bool
        Report every object reaching ``hysteresis_low``.

    Returns
    -------
    list of Candidate
    """
    params = resolve_params(EnergyParams, "gpr-energy", params, kwargs)
    detector = EnergyStreamDetector(
        resolve_scan_header(scan), params, stream=scan.name, all_scores=all_scores
    )
    return detector.process(
        scan.data, scan.distance_m, lat_deg=scan.lat_deg, lon_deg=scan.lon_deg, final=True
    )
