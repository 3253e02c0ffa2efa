"""Fixed-layout tables of a recording: events, candidates, truth targets (HDF5 compound types)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.model import Candidate, GroundTruth, TruthTarget

#: One row of /events. Strings are fixed-length UTF-8 (truncated at a character boundary).
#: ``count`` is how many the event stands for (frames lost for a ``gap``, else 1); tables
#: written before it existed lack the column and read as 1 per event.
EVENT_DTYPE = np.dtype(
    [
        ("host_time_ns", "<i8"),
        ("stream", "S32"),
        ("kind", "S32"),
        ("detail", "S256"),
        ("count", "<i8"),
    ]
)

#: One row of /candidates; detector extras are a JSON object in ``extras``.
CANDIDATE_DTYPE = np.dtype(
    [
        ("x_m", "<f8"),
        ("y_m", "<f8"),
        ("lat_deg", "<f8"),
        ("lon_deg", "<f8"),
        ("time_s", "<f8"),
        ("depth_m", "<f8"),
        ("score", "<f8"),
        ("detector", "S32"),
        ("stream", "S32"),
        ("extras", "S1024"),
    ]
)

#: One row of /truth/targets; further properties are a JSON object in ``extras``.
TRUTH_DTYPE = np.dtype(
    [
        ("id", "S32"),
        ("class", "S16"),
        ("kind", "S32"),
        ("x_m", "<f8"),
        ("y_m", "<f8"),
        ("depth_m", "<f8"),
        ("size_m", "<f8"),
        ("extras", "S1024"),
    ]
)


def encode_text(text: str, size: int) -> bytes:
    """UTF-8 bytes of ``text`` cut to at most ``size`` bytes without splitting a character."""
    raw = str(text).encode("utf-8")
    if len(raw) <= size:
        return raw
    return raw[:size].decode("utf-8", errors="ignore").encode("utf-8")


def decode_text(raw: bytes) -> str:
    """The text of a fixed-length string field."""
    return bytes(raw).decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Event:
    """One row of a recording's /events table.

    Parameters
    ----------
    host_time_ns : int
        Host clock when it happened, ns since the Unix epoch.
    stream : str
        The stream it concerns (empty for the whole recording).
    kind : str
        ``"gap"``, ``"bad_frame"``, ``"reconnect"``, ``"disconnect"``, ``"mark"``,
        ``"device_error"``, ``"status"``, ...
    detail : str
        Human-readable detail (at most 256 UTF-8 bytes), for people: counts are in ``count``.
    count : int
        How many it stands for: frames lost for a ``gap``, 1 otherwise.
    """

    host_time_ns: int
    stream: str
    kind: str
    detail: str
    count: int = 1


def events_to_rows(events: Sequence[Event]) -> npt.NDArray[Any]:
    """Pack events into an :data:`EVENT_DTYPE` array."""
    rows = np.zeros(len(events), dtype=EVENT_DTYPE)
    for i, event in enumerate(events):
        rows[i] = (
            event.host_time_ns,
            encode_text(event.stream, 32),
            encode_text(event.kind, 32),
            encode_text(event.detail, 256),
            event.count,
        )
    return rows


def rows_to_events(rows: npt.NDArray[Any]) -> list[Event]:
    """Unpack an :data:`EVENT_DTYPE` array (one without ``count`` reads as 1 per event)."""
    counted = rows.dtype.names is not None and "count" in rows.dtype.names
    return [
        Event(
            int(row["host_time_ns"]),
            decode_text(row["stream"]),
            decode_text(row["kind"]),
            decode_text(row["detail"]),
            int(row["count"]) if counted else 1,
        )
        for row in rows
    ]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def to_json(value: Any) -> str:
    """Compact JSON that also accepts NumPy scalars and arrays."""
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def candidates_to_rows(candidates: Iterable[Candidate]) -> npt.NDArray[Any]:
    """Pack candidates into a :data:`CANDIDATE_DTYPE` array."""
    items = list(candidates)
    rows = np.zeros(len(items), dtype=CANDIDATE_DTYPE)
    for i, c in enumerate(items):
        extras = to_json(dict(c.extras))
        if len(extras.encode("utf-8")) > 1024:
            raise ValueError(f"candidate extras exceed 1024 bytes of JSON: {extras[:80]}...")
        rows[i] = (
            c.x_m,
            c.y_m,
            c.lat_deg,
            c.lon_deg,
            c.time_s,
            c.depth_m,
            c.score,
            encode_text(c.detector, 32),
            encode_text(c.stream, 32),
            extras.encode("utf-8"),
        )
    return rows


def rows_to_candidates(rows: npt.NDArray[Any]) -> list[Candidate]:
    """Unpack a :data:`CANDIDATE_DTYPE` array (a table without ``y_m`` gives NaN: unknown)."""
    out = []
    has_y = rows.dtype.names is not None and "y_m" in rows.dtype.names
    for row in rows:
        extras_text = decode_text(row["extras"])
        out.append(
            Candidate(
                score=float(row["score"]),
                detector=decode_text(row["detector"]),
                stream=decode_text(row["stream"]),
                x_m=float(row["x_m"]),
                y_m=float(row["y_m"]) if has_y else math.nan,
                lat_deg=float(row["lat_deg"]),
                lon_deg=float(row["lon_deg"]),
                time_s=float(row["time_s"]),
                depth_m=float(row["depth_m"]),
                extras=json.loads(extras_text) if extras_text else {},
            )
        )
    return out


def truth_to_rows(truth: GroundTruth) -> npt.NDArray[Any]:
    """Pack truth targets into a :data:`TRUTH_DTYPE` array."""
    rows = np.zeros(len(truth.targets), dtype=TRUTH_DTYPE)
    for i, t in enumerate(truth.targets):
        rows[i] = (
            encode_text(t.id, 32),
            encode_text(t.target_class, 16),
            encode_text(t.kind, 32),
            t.x_m,
            t.y_m,
            t.depth_m,
            t.size_m,
            to_json(dict(t.extras)).encode("utf-8"),
        )
    return rows


def rows_to_truth(
    rows: npt.NDArray[Any], x_start_m: float, x_end_m: float, swept_width_m: float | None
) -> GroundTruth:
    """Unpack a :data:`TRUTH_DTYPE` array and the surveyed extent (no ``y_m``: on the axis, 0)."""
    targets = []
    has_y = rows.dtype.names is not None and "y_m" in rows.dtype.names
    for row in rows:
        extras_text = decode_text(row["extras"])
        targets.append(
            TruthTarget(
                id=decode_text(row["id"]),
                target_class=decode_text(row["class"]),
                kind=decode_text(row["kind"]),
                x_m=float(row["x_m"]),
                y_m=float(row["y_m"]) if has_y else 0.0,
                depth_m=float(row["depth_m"]),
                size_m=float(row["size_m"]),
                extras=json.loads(extras_text) if extras_text else {},
            )
        )
    width = None if swept_width_m is None or math.isnan(swept_width_m) else swept_width_m
    return GroundTruth(tuple(targets), x_start_m, x_end_m, width)
