"""Streaming building blocks shared by the detectors: a look-ahead row stage and a segmenter.

Every detector is written once, as a chain of these blocks fed row blocks (frames or traces);
the batch call feeds the whole signal as one block. Because each block computes a row only
from a fixed window of rows, summing in a fixed order, the result does not depend on how the
signal was cut into blocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.detect import _kernels
from detsig.dsp.streaming import LookaheadStage, RowCompute
from detsig.model import Candidate

__all__ = ["LookaheadStage", "RowCompute", "Segment", "Segmenter"]


@dataclass
class Segment:
    """One closed segment of a statistic above the hysteresis level.

    Attributes
    ----------
    start_row, last_row, peak_row : int
        First and last row at or above the low level, and the row of the peak.
    peak : float
        The statistic at the peak.
    features : ndarray, shape (n_features,)
        The feature row at the peak.
    """

    start_row: int
    last_row: int
    peak_row: int
    peak: float
    features: npt.NDArray[np.float64] = field(repr=False)

    def candidate(
        self,
        detector: str,
        stream: str,
        extras: dict[str, Any],
        *,
        position_column: int = 0,
        depth_m: float = math.nan,
    ) -> Candidate:
        """The segment as one candidate at its peak, scored by the peak statistic.

        Parameters
        ----------
        detector, stream : str
            Detector and stream names written into the candidate.
        extras : dict
            Detector-specific fields.
        position_column : int
            The peak's features hold distance (m), time (s), latitude and longitude (deg) in
            the four columns starting here.
        depth_m : float
            Depth estimate, m (NaN: none).
        """
        distance, time_s, lat, lon = (
            float(v) for v in self.features[position_column : position_column + 4]
        )
        return Candidate(
            score=self.peak,
            detector=detector,
            stream=stream,
            x_m=distance,
            lat_deg=lat,
            lon_deg=lon,
            time_s=time_s,
            depth_m=depth_m,
            extras=extras,
        )


class Segmenter:
    """Hysteresis segmentation with a minimum duration and gap bridging (see
    :func:`detsig.detect._kernels.segment_rows`), one segment per object pass.

    Parameters
    ----------
    low : float
        Level that opens and sustains a segment.
    gap_rows : int
        A segment survives up to this many rows below ``low`` (bridges a sweep's dips).
    min_rows : int
        Segments spanning fewer rows are dropped.
    n_features : int
        Width of the feature rows.
    split_ratio : float
        Split a segment at a valley below this fraction of its peak (0: never).
    distance_column : int, optional
        Feature column holding the along-lane distance; enables :attr:`safe_distance_m`.
    """

    def __init__(
        self,
        low: float,
        gap_rows: int,
        min_rows: int,
        n_features: int,
        split_ratio: float = 0.0,
        distance_column: int | None = None,
    ) -> None:
        self.distance_column = distance_column
        self.open_start_distance_m = math.nan
        self.last_distance_m = -math.inf
        self.monotonic = True
        self.low = float(low)
        self.gap_rows = int(gap_rows)
        self.min_rows = int(min_rows)
        self.split_ratio = float(split_ratio)
        self.state = np.zeros(7, np.float64)
        self.peak_features = np.zeros(n_features, np.float64)
        self.n_rows = 0

    def push(
        self, z: npt.NDArray[np.float64], features: npt.NDArray[np.float64], *, final: bool = False
    ) -> list[Segment]:
        """Feed the next rows of the statistic and their features; returns closed segments."""
        z = np.ascontiguousarray(z, dtype=np.float64)
        features = np.ascontiguousarray(features, dtype=np.float64)
        n = z.shape[0]
        n_features = self.peak_features.shape[0]
        cap = n + 2
        out_rows = np.empty((cap, 3), np.int64)
        out_z = np.empty(cap, np.float64)
        out_features = np.empty((cap, n_features), np.float64)
        count = 0
        if n:
            count = _kernels.segment_rows(
                z,
                features.reshape(n, n_features),
                self.n_rows,
                self.low,
                self.gap_rows,
                self.min_rows,
                self.split_ratio,
                self.state,
                self.peak_features,
                out_rows,
                out_z,
                out_features,
            )
        self._track_distance(features.reshape(n, n_features))
        self.n_rows += n
        segments = [
            Segment(int(r[0]), int(r[1]), int(r[2]), float(v), f.copy())
            for r, v, f in zip(out_rows[:count], out_z[:count], out_features[:count], strict=True)
        ]
        if final and self.state[0] != 0.0:
            if self.state[2] - self.state[1] + 1 >= self.min_rows:
                segments.append(
                    Segment(
                        int(self.state[1]),
                        int(self.state[2]),
                        int(self.state[3]),
                        float(self.state[4]),
                        self.peak_features.copy(),
                    )
                )
            self.state[0] = 0.0
        return segments

    def _track_distance(self, features: npt.NDArray[np.float64]) -> None:
        column = self.distance_column
        if column is None or features.shape[0] == 0:
            return
        distance = features[:, column]
        previous = np.concatenate([[self.last_distance_m], distance[:-1]])
        if not (np.all(np.isfinite(distance)) and np.all(distance >= previous)):
            self.monotonic = False
        self.last_distance_m = float(distance[-1])
        if self.state[0] != 0.0:
            start = int(self.state[1])
            if start >= self.n_rows:
                self.open_start_distance_m = float(distance[start - self.n_rows])

    @property
    def safe_row(self) -> int:
        """No segment closed later can peak before this row."""
        return int(self.state[1]) if self.state[0] != 0.0 else self.n_rows

    @property
    def safe_distance_m(self) -> float:
        """No segment closed later can have its peak before this distance, m (for distances
        that never decrease; ``-inf`` before any row, NaN when distances are not monotonic)."""
        if not self.monotonic:
            return math.nan
        if self.state[0] != 0.0:
            return self.open_start_distance_m
        return self.last_distance_m
