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

from detsig.detect.lane import LaneDetector
from detsig.detect.registry import check_detector_name, detection_preset, resolve_detector
from detsig.dsp.header import resolve_gpr_header
from detsig.errors import InputError
from detsig.model import Candidate, GprHeader, MdHeader, RowBlock, StreamHeader


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

    def on_start(self, streams: Mapping[str, StreamHeader]) -> None:
        """Build the detector from the session's stream descriptions.

        Parameters
        ----------
        streams : mapping of str to GprHeader or MdHeader
            The session's stream headers by name (from the devices' HELLOs).
        """
        gpr = sorted(n for n, s in streams.items() if s.kind == "gpr")
        md = sorted(n for n, s in streams.items() if s.kind == "md")
        self.gpr_name = gpr[0] if gpr else None
        self.md_name = md[0] if md else None
        gpr_header: GprHeader | None = None
        md_header: MdHeader | None = None
        if self.gpr_name is not None:
            header = streams[self.gpr_name]
            assert isinstance(header, GprHeader)
            gpr_header = live_gpr_header(header)
        if self.md_name is not None:
            header = streams[self.md_name]
            assert isinstance(header, MdHeader)
            md_header = header
        name = resolve_detector(self.detector, md_header is not None, gpr_header is not None)
        if name is None:
            return
        params = {**self.preset.get(name, {}), **self.params}
        threshold = params.pop("threshold", None)  # a preset's, or given as a parameter
        self.lane = LaneDetector(
            name,
            md=md_header,
            gpr=gpr_header,
            gpr_stream=self.gpr_name or "gpr0",
            md_stream=self.md_name or "md0",
            threshold=self.threshold if self.threshold is not None else threshold,
            all_scores=self.all_scores,
            **params,
        )

    def on_rows(self, stream: str, block: RowBlock) -> list[Candidate]:
        """Process one recorded block.

        Parameters
        ----------
        stream : str
            Stream name.
        block : RowBlock
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


def live_gpr_header(header: GprHeader) -> GprHeader:
    """A live GPR stream's header, resolved: live, nothing can be measured before the first
    traces, so the device's HELLO must state trace step, time zero and centre frequency.

    Parameters
    ----------
    header : GprHeader
        The stream's header from the device's HELLO (:func:`detsig.devices.header_from_hello`).

    Returns
    -------
    GprHeader

    Raises
    ------
    InputError
        The HELLO leaves one of them unstated.
    """
    try:
        return resolve_gpr_header(header)
    except InputError as error:
        raise InputError(
            f"live GPR detection needs the device's HELLO config to state it: {error}; the "
            "recording goes on, run detsig detect on the file afterwards"
        ) from None
