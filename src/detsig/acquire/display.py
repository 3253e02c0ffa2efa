"""Display buffers: the newest rows of every stream in ring buffers, for a live viewer.

The recorder pushes rows in (a copy into preallocated arrays under a short lock); a viewer
takes :meth:`DisplayBuffers.snapshot` on its own timer. Nothing here can block the recorder
for longer than one array copy: the newest data always win and older rows are overwritten.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.model import Candidate, RowBlock, StreamHeader


@dataclass(frozen=True, eq=False)
class StreamSnapshot:
    """The newest rows of one stream, oldest first.

    Parameters
    ----------
    info : StreamHeader
    data : ndarray, shape (n, width)
        Newest rows (a copy), oldest first.
    distance_m, host_time_ns, seq : ndarray, shape (n,)
    total_rows : int
        Rows recorded since the start (the last row here has index ``total_rows - 1``).
    """

    info: StreamHeader
    data: npt.NDArray[Any]
    distance_m: npt.NDArray[np.float64]
    host_time_ns: npt.NDArray[np.int64]
    seq: npt.NDArray[np.uint32]
    total_rows: int


@dataclass(frozen=True)
class DisplaySnapshot:
    """Everything a live view draws, taken at one moment.

    Parameters
    ----------
    streams : dict of str to StreamSnapshot
    counters : dict of str to dict
        Per stream: ``rows``, ``frames``, ``gaps``, ``gap_events``, ``bad_frames``, ``rate_hz``,
        ``connected``.
    candidates : list of Candidate
        Newest candidates (at most ``max_candidates``).
    gnss : dict
        Newest GNSS fix (``lat_deg``, ``lon_deg``, ``fix_quality``, ``n_satellites``, ``hdop``,
        ``utc_time_s``), empty without GNSS.
    version : int
        Increases with every push; a viewer redraws only when it changed.
    """

    streams: dict[str, StreamSnapshot]
    counters: dict[str, dict[str, Any]] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)
    gnss: dict[str, Any] = field(default_factory=dict)
    version: int = 0


class _Ring:
    def __init__(self, info: StreamHeader, capacity: int) -> None:
        self.info = info
        self.capacity = capacity
        # Radar sweeps (complex int16) are kept as their amplitudes, what a B-scan draws.
        self.amplitude = info.kind == "radar"
        dtype = "float32" if self.amplitude else (info.dtype or "f8")
        self.data = np.zeros((capacity, max(info.width, 1)), dtype=dtype)
        self.distance_m = np.full(capacity, np.nan)
        self.host_time_ns = np.zeros(capacity, dtype=np.int64)
        self.seq = np.zeros(capacity, dtype=np.uint32)
        self.total = 0

    def push(self, block: RowBlock) -> None:
        n = block.n_rows
        k = min(n, self.capacity)
        # Global row r lives at slot r % capacity; only the newest k rows can be kept.
        slots = (self.total + n - k + np.arange(k)) % self.capacity
        newest = block.data[n - k :]
        if self.amplitude:
            newest = np.hypot(newest["real"], newest["imag"], dtype=np.float32)
        self.data[slots] = newest
        self.distance_m[slots] = np.nan if block.distance_m is None else block.distance_m[n - k :]
        self.host_time_ns[slots] = block.host_time_ns[n - k :]
        self.seq[slots] = block.seq[n - k :]
        self.total += n

    def snapshot(self) -> StreamSnapshot:
        n = min(self.total, self.capacity)
        start = (self.total - n) % self.capacity
        order = (np.arange(n) + start) % self.capacity
        return StreamSnapshot(
            self.info,
            self.data[order],
            self.distance_m[order],
            self.host_time_ns[order],
            self.seq[order],
            self.total,
        )


class DisplayBuffers:
    """Ring buffers of the newest rows per stream plus counters, candidates and GNSS fix.

    Parameters
    ----------
    streams : mapping of str to StreamHeader
        The GPR and MD streams to buffer.
    gpr_rows : int
        Traces kept per GPR stream.
    md_rows : int
        Frames kept per MD stream.
    max_candidates : int
        Candidates kept (newest).
    """

    def __init__(
        self,
        streams: Mapping[str, StreamHeader],
        *,
        gpr_rows: int = 2048,
        md_rows: int = 20000,
        max_candidates: int = 1000,
    ) -> None:
        self._lock = threading.Lock()
        self._rings = {
            name: _Ring(info, md_rows if info.kind == "md" else gpr_rows)
            for name, info in streams.items()
            if info.kind in ("gpr", "md", "radar")
        }
        self._candidates: list[Candidate] = []
        self._max_candidates = max_candidates
        self._gnss: dict[str, Any] = {}
        self._counters: dict[str, dict[str, Any]] = {}
        self.version = 0

    @property
    def stream_names(self) -> list[str]:
        """The buffered streams."""
        return list(self._rings)

    def push_rows(self, stream: str, block: RowBlock) -> None:
        """Add rows of a stream (called by the recorder).

        Parameters
        ----------
        stream : str
            Stream name; rows of a stream that is not buffered are ignored.
        block : RowBlock
            The rows as written to the file, ``data`` of shape (n_rows, width).
        """
        ring = self._rings.get(stream)
        if ring is None:
            return
        with self._lock:
            ring.push(block)
            self.version += 1

    def push_candidates(self, candidates: list[Candidate]) -> None:
        """Add candidates (called by the recorder).

        Parameters
        ----------
        candidates : list of Candidate
            New candidates; only the newest ``max_candidates`` are kept.
        """
        if not candidates:
            return
        with self._lock:
            self._candidates.extend(candidates)
            del self._candidates[: -self._max_candidates]
            self.version += 1

    def set_gnss(self, fix: Mapping[str, Any]) -> None:
        """Set the newest GNSS fix.

        Parameters
        ----------
        fix : mapping
            The fix's fields (``lat_deg``, ``lon_deg``, ``fix_quality`` ...), copied.
        """
        with self._lock:
            self._gnss = dict(fix)
            self.version += 1

    def set_counters(self, counters: Mapping[str, Mapping[str, Any]]) -> None:
        """Set the per-stream counters.

        Parameters
        ----------
        counters : mapping of str to mapping
            Stream name -> counters (``rows``, ``gaps``, ``bad_frames``, ``rate_hz`` in Hz ...),
            copied.
        """
        with self._lock:
            self._counters = {k: dict(v) for k, v in counters.items()}

    def snapshot(self, streams: list[str] | None = None) -> DisplaySnapshot:
        """A consistent copy of the newest state (optionally of some streams only).

        Parameters
        ----------
        streams : list of str, optional
            Stream names to include (unknown names are skipped); all buffered streams when None.

        Returns
        -------
        DisplaySnapshot
            Copies of the ring contents, counters, candidates and GNSS fix, with the
            :attr:`version` they correspond to.
        """
        with self._lock:
            names = self._rings if streams is None else [s for s in streams if s in self._rings]
            return DisplaySnapshot(
                streams={name: self._rings[name].snapshot() for name in names},
                counters={k: dict(v) for k, v in self._counters.items()},
                candidates=list(self._candidates),
                gnss=dict(self._gnss),
                version=self.version,
            )
