"""The detectors live: :class:`DetectProcessor` runs a lane detector inside ``detsig record``.

It implements the recorder's :class:`detsig.acquire.runner.LiveProcessor` protocol
(``on_start`` / ``on_rows`` / ``on_stop``) on top of :class:`detsig.detect.lane.LaneDetector`:
the candidates found live equal those ``detsig detect`` finds in the finished recording,
unless the live processor fell behind and skipped blocks (the recording then holds a
``processing_behind`` event).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from detsig.detect.gpr_common import GprGeometry
from detsig.detect.lane import LaneDetector, MdStreamInfo
from detsig.detect.registry import check_detector_name, detection_preset, resolve_detector
from detsig.errors import InputError
from detsig.model import Candidate


class DetectProcessor:
    """Runs a detector live inside ``detsig record`` (the recorder's ``LiveProcessor``).

    Parameters
    ----------
    detector : str
        Detector name (default ``"fused"``; falls back to the single-sensor detector of the
        stream present when fused lacks one of its streams, as ``detsig detect`` does with
        ``--detector auto``).
    threshold : float, optional
        Score threshold.
    all_scores : bool
        Report every scored peak.
    preset : str
        Detection preset (:data:`detsig.detect.registry.PRESET_NAMES`: ``default``,
        ``sensitive``, ``strict``); ``params`` and ``threshold`` override it.
    **params
        Detector parameters.

    Notes
    -----
    The first GPR and the first MD stream by name are used (as ``detsig detect`` picks them
    in a recording); GNSS streams are ignored (their positions arrive as ``lat_deg`` /
    ``lon_deg`` of each row).
    """

    def __init__(
        self,
        detector: str = "fused",
        *,
        threshold: float | None = None,
        all_scores: bool = False,
        preset: str = "default",
        **params: Any,
    ) -> None:
        self.detector = check_detector_name(detector, auto=True)
        self.preset = detection_preset(preset)
        self.threshold = threshold
        self.all_scores = all_scores
        self.params = params
        self.lane: LaneDetector | None = None
        self.gpr_name: str | None = None
        self.md_name: str | None = None
        self.n_candidates = 0

    def on_start(self, streams: Mapping[str, Any]) -> None:
        """Build the detector from the session's stream descriptions.

        Parameters
        ----------
        streams : mapping of str to StreamInfo
            The recorder's stream descriptions by name (kind, width, sampling, HELLO).
        """
        gpr = sorted(n for n, s in streams.items() if s.kind == "gpr")
        md = sorted(n for n, s in streams.items() if s.kind == "md")
        self.gpr_name = gpr[0] if gpr else None
        self.md_name = md[0] if md else None
        gpr_geometry = md_info = None
        if self.gpr_name is not None:
            info = streams[self.gpr_name]
            gpr_geometry = geometry_from_stream_info(info)
        if self.md_name is not None:
            md_info = md_info_from_stream_info(streams[self.md_name])
        name = resolve_detector(self.detector, md_info is not None, gpr_geometry is not None)
        if name is None:
            return
        params = {**self.preset.get(name, {}), **self.params}
        threshold = params.pop("threshold", None)  # a preset's, or given as a parameter
        self.lane = LaneDetector(
            name,
            md=md_info,
            gpr=gpr_geometry,
            gpr_stream=self.gpr_name or "gpr0",
            threshold=self.threshold if self.threshold is not None else threshold,
            all_scores=self.all_scores,
            **params,
        )

    def on_rows(self, stream: str, block: Any) -> list[Candidate]:
        """Process one recorded block.

        Parameters
        ----------
        stream : str
            Stream name.
        block : RecordedRows
            Its rows (``data``, ``distance_m``, ``lat_deg``, ``lon_deg``).

        Returns
        -------
        list of Candidate
            Candidates now final.
        """
        if self.lane is None:
            return []
        if stream == self.md_name:
            found = self.lane.feed_md(block.data, block.distance_m, block.lat_deg, block.lon_deg)
        elif stream == self.gpr_name:
            found = self.lane.feed_gpr(block.data, block.distance_m, block.lat_deg, block.lon_deg)
        else:
            return []
        self.n_candidates += len(found)
        return found

    def on_stop(self) -> list[Candidate]:
        """End of the session.

        Returns
        -------
        list of Candidate
            The remaining candidates.
        """
        if self.lane is None:
            return []
        found = self.lane.finish()
        self.n_candidates += len(found)
        return found


def geometry_from_stream_info(info: Any) -> GprGeometry:
    """GPR geometry of a live stream, as a recording of it would give.

    Parameters
    ----------
    info : StreamInfo
        The recorder's description of a GPR stream.

    Returns
    -------
    GprGeometry
    """
    from detsig.detect.lane_input import gpr_geometry_from_stream

    hello = info.hello if isinstance(info.hello, Mapping) else {}
    config = hello.get("config", {})
    try:
        return gpr_geometry_from_stream(
            int(info.width),
            float(info.sample_interval_s),
            {},
            config if isinstance(config, Mapping) else {},
        )
    except InputError as error:
        # live, nothing can be measured before the first traces: the device must state it
        raise InputError(
            f"live GPR detection needs the device's HELLO config to state it: {error}; the "
            "recording goes on, run detsig detect on the file afterwards"
        ) from None


def md_info_from_stream_info(info: Any) -> MdStreamInfo:
    """MD description of a live stream, as a recording of it would give.

    Parameters
    ----------
    info : StreamInfo
        The recorder's description of a metal-detector stream.

    Returns
    -------
    MdStreamInfo
    """
    from detsig.detect.lane_input import md_gate_delays

    hello = info.hello if isinstance(info.hello, Mapping) else {}
    config = hello.get("config", {})
    names = tuple(info.channel_names) or tuple(f"ch{i}" for i in range(int(info.width)))
    delays = md_gate_delays({}, config if isinstance(config, Mapping) else {})
    rate = float(info.sample_rate_hz)
    return MdStreamInfo(
        sample_rate_hz=rate if rate > 0 else 1.0,
        channel_names=names,
        gate_delays_s=delays if len(delays) == len(names) else (),
        name=info.name,
    )
