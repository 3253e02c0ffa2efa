"""The detectors in streaming form, run over a whole lane in bounded blocks (``detsig detect``).

Every detector of :mod:`detsig.detect.registry` is built here from stream descriptions and fed
row blocks (GPR traces, MD frames) with their positions; it keeps its state explicitly
between blocks and returns candidates as soon as they are final. Joined, the candidates equal
those of the batch call on the whole recording, whatever the block sizes: each stage computes
a row from a fixed window of rows with a fixed summation order (see
:mod:`detsig.detect._stream`). The batch functions are this same code fed one block.

The live processor of ``detsig record`` (:mod:`detsig.detect.live`) runs the same
:class:`LaneDetector`.

Examples
--------
>>> import numpy as np
>>> from detsig.model import MdSeries
>>> x = np.random.default_rng(0).normal(0, 2, (3000, 1))
>>> x[1500:1550] += 300.0
>>> from detsig.model import MdHeader
>>> lane = LaneDetector("md-cfar", md=MdHeader(500.0, ("gate0",)))
>>> found = [c for block in np.array_split(x, 7) for c in lane.feed_md(block)]
>>> found += lane.finish()
>>> from detsig.detect import detect
>>> found == detect(MdSeries(x, 500.0, ("gate0",)), detector="md-cfar")
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import numpy.typing as npt

from detsig.detect.fusion import FusionParams, fuse_candidates
from detsig.detect.gpr_energy import EnergyParams, EnergyStreamDetector
from detsig.detect.gpr_hyperbola import HyperbolaParams, HyperbolaStreamDetector
from detsig.detect.lane_input import LaneInput
from detsig.detect.md_detector import MdDetectorParams, MdStreamDetector
from detsig.detect.registry import check_detector_name
from detsig.errors import InputError
from detsig.model import Candidate, GprHeader, MdHeader


def _sort_key(candidate: Candidate) -> tuple[float, float, str]:
    x = candidate.x_m if math.isfinite(candidate.x_m) else math.inf
    t = candidate.time_s if math.isfinite(candidate.time_s) else math.inf
    return (x, t, candidate.stream)


def sort_candidates(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates in the canonical order: along the lane, then by time and stream.

    Parameters
    ----------
    candidates : sequence of Candidate
        Any candidates (those without ``x_m`` or ``time_s`` go last).

    Returns
    -------
    list of Candidate
    """
    return sorted(candidates, key=_sort_key)


class FusionStream:
    """Fuses MD and GPR candidates as they arrive (as :func:`~detsig.detect.fuse_candidates`).

    A fused candidate is returned once neither sensor can still report a candidate within
    ``association_m`` of it (tracked from the detectors' safe distances, for positions that
    never decrease); everything else at :meth:`finish`.
    """

    def __init__(self, params: FusionParams, all_scores: bool) -> None:
        self.params = params
        self.all_scores = all_scores
        self.md: list[Candidate] = []
        self.gpr: list[Candidate] = []
        self._done_md: set[int] = set()
        self._done_gpr: set[int] = set()

    def add(
        self,
        md: Sequence[Candidate],
        gpr: Sequence[Candidate],
        safe_md_m: float,
        safe_gpr_m: float,
    ) -> list[Candidate]:
        """Take new component candidates.

        Parameters
        ----------
        md, gpr : sequence of Candidate
            New all-scores candidates of md-cfar and gpr-hyperbola.
        safe_md_m, safe_gpr_m : float
            No candidate of that sensor will come before this distance, m (-inf: none
            known yet; NaN: positions unknown, wait for :meth:`finish`).

        Returns
        -------
        list of Candidate
            The fused candidates now final.
        """
        self.md.extend(c for c in md if math.isfinite(c.x_m))
        self.gpr.extend(c for c in gpr if math.isfinite(c.x_m))
        if not (math.isfinite(safe_md_m) or safe_md_m == -math.inf) or not (
            math.isfinite(safe_gpr_m) or safe_gpr_m == -math.inf
        ):
            return []
        reach = self.params.association_m
        ready_gpr = [
            i
            for i, c in enumerate(self.gpr)
            if i not in self._done_gpr and c.x_m + reach < safe_md_m
        ]
        ready_md = [
            i
            for i, c in enumerate(self.md)
            if i not in self._done_md and c.x_m + reach < safe_gpr_m
        ]
        return self._emit(ready_md, ready_gpr)

    def finish(self) -> list[Candidate]:
        """End of both streams.

        Returns
        -------
        list of Candidate
            Every fused candidate not yet returned.
        """
        ready_md = [i for i in range(len(self.md)) if i not in self._done_md]
        ready_gpr = [i for i in range(len(self.gpr)) if i not in self._done_gpr]
        return self._emit(ready_md, ready_gpr)

    def _emit(self, ready_md: list[int], ready_gpr: list[int]) -> list[Candidate]:
        if not ready_md and not ready_gpr:
            return []
        # fuse the ready GPR candidates against every MD candidate seen (the MD ones that
        # can still matter are all here), and the ready MD candidates against every GPR one
        from_gpr = fuse_candidates(
            self.md, [self.gpr[i] for i in ready_gpr], self.params, all_scores=True
        )
        from_gpr = [c for c in from_gpr if c.extras.get("gpr_score") is not None]
        md_only = fuse_candidates(
            [self.md[i] for i in ready_md], self.gpr, self.params, all_scores=True
        )
        md_only = [c for c in md_only if c.extras.get("gpr_score") is None]
        self._done_gpr.update(ready_gpr)
        self._done_md.update(ready_md)
        fused = sort_candidates(from_gpr + md_only)
        if not self.all_scores:
            fused = [c for c in fused if c.score >= self.params.threshold]
        return fused


class LaneDetector:
    """One named detector over the streams of a lane, fed row blocks (explicit state).

    Parameters
    ----------
    name : {"md-cfar", "gpr-energy", "gpr-hyperbola", "fused"}
        The detector.
    md : MdHeader, optional
        The metal-detector stream (needed by md-cfar and fused).
    gpr : GprHeader, optional
        The GPR line, resolved (:func:`detsig.dsp.resolve_gpr_header`; needed by the GPR
        detectors and fused).
    gpr_stream, md_stream : str
        Stream names (for the candidates).
    threshold : float, optional
        Score threshold (default: the detector's).
    all_scores : bool
        Report every scored peak.
    **params
        Detector parameters (see :meth:`detsig.detect.registry.Detector.parameters`); for
        ``fused`` routed by :func:`split_fused_params`.
    """

    def __init__(
        self,
        name: str,
        *,
        md: MdHeader | None = None,
        gpr: GprHeader | None = None,
        gpr_stream: str = "gpr0",
        md_stream: str = "md0",
        threshold: float | None = None,
        all_scores: bool = False,
        **params: Any,
    ) -> None:
        self.name = check_detector_name(name)
        self.md_detector: MdStreamDetector | None = None
        self.gpr_detector: HyperbolaStreamDetector | EnergyStreamDetector | None = None
        self.fusion: FusionStream | None = None
        if threshold is not None:
            params = {**params, "threshold": float(threshold)}
        if name == "md-cfar":
            if md is None:
                raise InputError("md-cfar needs a metal-detector stream; this input has none")
            self.md_detector = _md(
                md, md_stream, MdDetectorParams.from_kwargs(**params), all_scores
            )
        elif name in ("gpr-energy", "gpr-hyperbola"):
            if gpr is None:
                raise InputError(f"{name} needs a GPR stream; this input has none")
            if name == "gpr-energy":
                self.gpr_detector = EnergyStreamDetector(
                    gpr,
                    EnergyParams.from_kwargs(**params),
                    stream=gpr_stream,
                    all_scores=all_scores,
                )
            else:
                self.gpr_detector = HyperbolaStreamDetector(
                    gpr,
                    HyperbolaParams.from_kwargs(**params),
                    stream=gpr_stream,
                    all_scores=all_scores,
                )
        else:
            if md is None or gpr is None:
                raise InputError(
                    "fused needs both a metal-detector and a GPR stream; use md-cfar or "
                    "gpr-hyperbola for a single sensor"
                )
            md_params, gpr_params, fusion_params = split_fused_params(params)
            fusion = FusionParams.from_kwargs(**fusion_params)
            self.md_detector = _md(md, md_stream, MdDetectorParams.from_kwargs(**md_params), True)
            self.gpr_detector = HyperbolaStreamDetector(
                gpr,
                HyperbolaParams.from_kwargs(**gpr_params),
                stream=gpr_stream,
                all_scores=True,
            )
            self.fusion = FusionStream(fusion, all_scores)

    def _fused(self, md: Sequence[Candidate], gpr: Sequence[Candidate]) -> list[Candidate]:
        assert self.fusion is not None
        assert self.md_detector is not None and self.gpr_detector is not None
        return self.fusion.add(
            md,
            gpr,
            self.md_detector.segmenter.safe_distance_m,
            self.gpr_detector.safe_distance_m
            if isinstance(self.gpr_detector, HyperbolaStreamDetector)
            else math.nan,
        )

    def feed_md(
        self,
        frames: npt.ArrayLike,
        distance_m: npt.ArrayLike | None = None,
        lat_deg: npt.ArrayLike | None = None,
        lon_deg: npt.ArrayLike | None = None,
    ) -> list[Candidate]:
        """Feed the next metal-detector frames.

        Parameters
        ----------
        frames : array_like, shape (n, n_channels)
            Raw MD frames.
        distance_m : array_like, shape (n,), optional
            Along-lane position of each row, m.
        lat_deg, lon_deg : array_like, shape (n,), optional
            WGS84 position of each row, deg.

        Returns
        -------
        list of Candidate
            Candidates now final (fused ones once neither sensor can add to them).
        """
        if self.md_detector is None:
            return []
        found = self.md_detector.process(frames, distance_m, lat_deg=lat_deg, lon_deg=lon_deg)
        return self._fused(found, []) if self.fusion is not None else found

    def feed_gpr(
        self,
        traces: npt.ArrayLike,
        distance_m: npt.ArrayLike | None = None,
        lat_deg: npt.ArrayLike | None = None,
        lon_deg: npt.ArrayLike | None = None,
    ) -> list[Candidate]:
        """Feed the next GPR traces.

        Parameters
        ----------
        traces : array_like, shape (n, n_samples)
            Raw GPR traces.
        distance_m : array_like, shape (n,), optional
            Along-lane position of each row, m.
        lat_deg, lon_deg : array_like, shape (n,), optional
            WGS84 position of each row, deg.

        Returns
        -------
        list of Candidate
            Candidates now final (fused ones once neither sensor can add to them).
        """
        if self.gpr_detector is None:
            return []
        found = self.gpr_detector.process(traces, distance_m, lat_deg=lat_deg, lon_deg=lon_deg)
        return self._fused([], found) if self.fusion is not None else found

    def finish(self) -> list[Candidate]:
        """End of the streams.

        Returns
        -------
        list of Candidate
            Every remaining candidate.
        """
        md = self.md_detector.finish() if self.md_detector is not None else []
        gpr = self.gpr_detector.finish() if self.gpr_detector is not None else []
        if self.fusion is None:
            return md + gpr
        self.fusion.add(md, gpr, math.nan, math.nan)
        return self.fusion.finish()


def split_fused_params(
    params: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Route the keyword parameters of ``fused`` to its md-cfar, its gpr-hyperbola and itself.

    Parameters
    ----------
    params : mapping
        ``md={...}`` and ``gpr={...}`` (tables of the two detectors' parameters, as in a
        pipeline file's ``[params.md]``), ``md.NAME`` / ``gpr.NAME`` (one parameter of one
        detector, as ``--param md.cfar_method=os`` gives), and plain names: a fusion parameter
        (:class:`FusionParams`) when fusion has it, else the parameter of every detector of
        the two that has it (``cfar_method=os`` sets both CFARs).

    Returns
    -------
    md_params, gpr_params, fusion_params : dict
        The parameters of each part. A prefixed value wins over a plain one.

    Raises
    ------
    InputError
        A name that neither fusion nor its detectors know, or an unknown prefix.

    Examples
    --------
    >>> split_fused_params({"cfar_method": "os", "gpr.n_velocities": 25, "threshold": 1.2})
    ({'cfar_method': 'os'}, {'cfar_method': 'os', 'n_velocities': 25}, {'threshold': 1.2})
    """
    fusion_names = {f.name for f in fields(FusionParams)}
    md_names = {f.name for f in fields(MdDetectorParams)}
    gpr_names = {f.name for f in fields(HyperbolaParams)}
    md_params: dict[str, Any] = {}
    gpr_params: dict[str, Any] = {}
    fusion_params: dict[str, Any] = {}
    prefixed: dict[str, dict[str, Any]] = {"md": {}, "gpr": {}}
    for key, value in params.items():
        if key in ("md", "gpr"):
            if value is not None and not isinstance(value, Mapping):
                raise InputError(f"fused parameter {key!r} must be a table of {key} parameters")
            prefixed[key].update(value or {})
            continue
        prefix, dot, name = key.partition(".")
        if dot:
            if prefix not in prefixed or not name:
                raise InputError(
                    f"fused has no parameter {key!r}; prefix a detector parameter with md. "
                    "(md-cfar) or gpr. (gpr-hyperbola)"
                )
            prefixed[prefix][name] = value
        elif key in fusion_names:
            fusion_params[key] = value
        elif key in md_names or key in gpr_names:
            if key in md_names:
                md_params[key] = value
            if key in gpr_names:
                gpr_params[key] = value
        else:
            raise InputError(
                f"fused has no parameter {key!r} (fusion parameters: "
                f"{', '.join(sorted(fusion_names))}; its detectors' parameters as md.NAME or "
                "gpr.NAME)"
            )
    md_params.update(prefixed["md"])
    gpr_params.update(prefixed["gpr"])
    return md_params, gpr_params, fusion_params


def _md(
    header: MdHeader, stream: str, params: MdDetectorParams, all_scores: bool
) -> MdStreamDetector:
    return MdStreamDetector(
        header.sample_rate_hz,
        header.channel_names,
        header.gate_delays_s,
        params,
        stream=stream,
        all_scores=all_scores,
    )


#: Rows per block when a whole lane is detected (``run_lane``): the detectors' working arrays
#: grow with the block, not the lane (``benchmarks/bench_detect_memory.py``: 59 MB allocated
#: at the peak for a 50,000-trace lane, against 2.3 GB in one block).
DEFAULT_BLOCK_ROWS = 1024


def run_lane(
    lane_input: LaneInput,
    name: str,
    *,
    threshold: float | None = None,
    all_scores: bool = False,
    block_rows: int | None = None,
    **params: Any,
) -> list[Candidate]:
    """Run a detector over a lane's streams, in blocks or at once.

    Parameters
    ----------
    lane_input : LaneInput
        The lane (:func:`detsig.detect.lane_input.load_lane`).
    name : str
        Detector name (not ``auto``).
    threshold : float, optional
        Score threshold (default: the detector's).
    all_scores : bool
        Report every scored peak.
    block_rows : int, optional
        Feed each stream in blocks of this many rows (default :data:`DEFAULT_BLOCK_ROWS`):
        the streaming path, the same result as one block, with memory bounded whatever the
        lane's length (rows are read block by block, from the file for a recording, and the
        GPR detectors' working arrays grow with the block, not the lane).
    **params
        Detector parameters (for ``fused`` see :func:`split_fused_params`).

    Returns
    -------
    list of Candidate
        In canonical order (:func:`sort_candidates`).
    """
    md = lane_input.md
    gpr = lane_input.gpr
    detector = LaneDetector(
        name,
        md=md.header if md is not None else None,
        gpr=gpr.header if gpr is not None else None,
        gpr_stream=gpr.name if gpr is not None else "gpr0",
        md_stream=md.name if md is not None else "md0",
        threshold=threshold,
        all_scores=all_scores,
        **params,
    )
    step = max(int(block_rows or DEFAULT_BLOCK_ROWS), 1)
    found: list[Candidate] = []
    if md is not None and detector.md_detector is not None:
        for start in range(0, md.rows.n_rows, step):
            found += detector.feed_md(*md.rows.rows(start, start + step))
    if gpr is not None and detector.gpr_detector is not None:
        for start in range(0, gpr.rows.n_rows, step):
            found += detector.feed_gpr(*gpr.rows.rows(start, start + step))
    found += detector.finish()
    return sort_candidates(found)
