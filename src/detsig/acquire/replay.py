"""Replay a recording through the live stack: a replaying source that looks like a device.

:class:`ReplayDevice` is a sensor driver (:class:`detsig.devices.driver.Driver`) whose "port"
is one stream of a detsig recording. Its handshake gives the HELLO the stream was recorded with
(the stored ``device`` object, its ``config`` completed from the stored attributes: samples,
sample interval and format, time zero, trace step, channels, rate, units, gate delays), and
:meth:`ReplayDevice.read` hands over the stream's rows as :class:`~detsig.model.RowBlock` and
its recorded events (gaps with the frames they lost, bad frames, marks ...) as
:class:`~detsig.devices.EventItem`, in recorded order, either as fast as the consumers take
them or at the recorded pace. So the session's reader, recorder, live processor and display
run on a recording exactly as on a device (``detsig record --replay FILE -o NEW.h5``), and
what is live-only (the live view, the live detector) can be checked against the file.

The recording's GNSS stream is replayed as the session's GNSS receiver (:class:`ReplayGnss`).
Each row keeps everything it was recorded with: samples, ``seq``, ``device_time_us``,
``host_time_ns`` and its position (``distance_m``, and ``lat_deg`` / ``lon_deg`` when the
stream has them) — the recorder stores a block's own positions instead of placing its rows by
encoder or GNSS, so a re-recorded recording holds the same rows.

References
----------
acconeer exploration tool, ``src/acconeer/exptool/_core/recording/`` (a replaying client that
looks like a live one to everything above it).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.devices import EventItem, GnssFix
from detsig.devices.driver import FreeRunning, SensorCounters, count_delivered
from detsig.devices.header import header_from_hello
from detsig.errors import InputError
from detsig.io.reader import Recording, StreamReader
from detsig.io.recording import open_recording
from detsig.io.writer import WRITER_STREAM_ATTRS
from detsig.model import GprHeader, MdHeader, RowBlock
from detsig.wire import Hello

#: Events of a stream that came from its device or its decoder (replayed); the others
#: (``disconnect``, ``reconnect``, ``processing_*``) are the session's own and happen anew.
DEVICE_EVENT_KINDS = (
    "gap",
    "bad_frame",
    "seq_reset",
    "mark",
    "device_error",
    "status",
    "frame_delayed",
    "data_saturated",
)

#: Stream attributes the session writes itself from the HELLO and the stream layout; every
#: other stored attribute is carried over to the re-recorded stream (:attr:`extra_attrs`).
_LAYOUT_ATTRS = WRITER_STREAM_ATTRS | {
    "port",
    "driver",
    "n_samples",
    "n_channels",
    "dtype",
    "gate_delays_s",
    "traces_per_s",
    "trace_step_m",
    "antenna_height_m",
}

_FORMAT_NAMES = {np.dtype("<i2"): "int16", np.dtype("<i4"): "int32", np.dtype("<f4"): "float32"}


def stream_hello(reader: StreamReader) -> dict[str, Any]:
    """The HELLO a device streaming ``reader``'s rows would send.

    The stored ``device`` object (the recorded HELLO) with its ``config`` completed from the
    stored attributes, which win where both say something (they are what the file was
    written with): ``samples``, ``sample_interval_s``, ``center_frequency_hz``,
    ``traces_per_s``, ``trace_step_m``, ``antenna_height_m`` and ``time_zero_s`` (only when
    stored) for GPR; ``channels``, ``sample_rate_hz``, ``units`` and ``gate_delays_s`` for MD;
    ``sample_format`` for both.

    Parameters
    ----------
    reader : StreamReader
        A GPR or MD stream of an open recording.

    Returns
    -------
    dict
        The HELLO JSON object (``device``, ``model``, ``serial``, ``firmware``, ``config``).
    """
    hello = dict(reader.device)
    config = dict(hello.get("config") or {})
    attrs = reader.attrs
    dtype = np.dtype(reader.dtype)
    if dtype in _FORMAT_NAMES:
        config["sample_format"] = _FORMAT_NAMES[dtype]
    if reader.kind == "gpr":
        config["samples"] = int(reader.shape[1])
        for key in (
            "sample_interval_s",
            "center_frequency_hz",
            "traces_per_s",
            "trace_step_m",
            "antenna_height_m",
            "time_zero_s",
        ):
            value = attrs.get(key)
            if isinstance(value, int | float) and math.isfinite(float(value)):
                config[key] = float(value)
    else:
        names = attrs.get("channel_names", "[]")
        channels = json.loads(names) if isinstance(names, str) else list(names)
        config["channels"] = [str(c) for c in channels] or [
            f"ch{i}" for i in range(int(reader.shape[1]))
        ]
        config["sample_rate_hz"] = float(attrs["sample_rate_hz"])
        if "units" in attrs:
            config["units"] = str(attrs["units"])
        gates = attrs.get("gate_delays_s")
        if isinstance(gates, str):
            gates = json.loads(gates)
        if isinstance(gates, list | tuple | np.ndarray) and len(gates):
            config["gate_delays_s"] = [float(g) for g in gates]
    hello.update(
        device=reader.kind,
        model=str(hello.get("model", "")),
        serial=str(hello.get("serial", "")),
        firmware=str(hello.get("firmware", "")),
        config=config,
    )
    return hello


def _row_clock_s(reader: StreamReader, origin_ns: int | None) -> npt.NDArray[np.float64]:
    """When each row happened, s after the replay's origin: the host clock (shared by every
    stream, so they stay in step), else the device clock, else the nominal rate."""
    n = reader.n_rows
    if n == 0:
        return np.zeros(0)
    host = reader.column("host_time_ns").astype(np.int64)
    if origin_ns is not None and host[0] > 0 and np.all(np.diff(host) >= 0):
        return np.asarray((host - origin_ns) * 1e-9, dtype=np.float64)
    device = reader.column("device_time_us").astype(np.float64)
    if device[-1] > device[0] and np.all(np.diff(device) >= 0):
        return np.asarray((device - device[0]) * 1e-6, dtype=np.float64)
    rate = reader.attrs.get("sample_rate_hz") or reader.attrs.get("traces_per_s")
    rate = float(rate) if isinstance(rate, int | float) and rate > 0 else 1000.0
    return np.arange(n, dtype=np.float64) / rate


class ReplayLink:
    """The "port" of a replayed stream: nothing to read or write (the device is the file).

    Parameters
    ----------
    url : str
        ``replay:FILE#STREAM``, shown where a port would be.
    read_timeout_s : float
        How long a read waits when nothing is due, s.
    """

    def __init__(self, url: str, read_timeout_s: float = 0.05) -> None:
        self._url = url
        self.read_timeout_s = read_timeout_s
        self.closed = False

    @property
    def url(self) -> str:
        """``replay:FILE#STREAM``."""
        return self._url

    def read(self) -> bytes:
        """Nothing arrives on a replay link (the rows come from the file)."""
        return b""

    def write(self, data: bytes) -> None:
        """Commands to a replayed device go nowhere."""

    def read_waiting(self) -> bytes:
        """Nothing waits on a replay link."""
        return b""

    def close(self) -> None:
        """Mark the link closed (the file is closed by :class:`RecordingReplay`)."""
        self.closed = True


class RecordingReplay:
    """One recording opened for replay: its devices and the clock they share.

    Parameters
    ----------
    path : str or Path
        The recording (a detsig HDF5 file).
    speed : float or None
        Replay speed: 1.0 plays at the recorded pace, 2.0 twice as fast; None (default) as
        fast as the consumers take the rows.
    block_rows : int
        Rows per block handed over at once (as fast as possible), at most.

    Raises
    ------
    InputError
        The file is not a readable recording, holds no GPR or MD stream, or ``speed`` is not
        positive.

    Examples
    --------
    ::

        replay = RecordingReplay("lane.h5")
        for device in replay.devices:      # one per GPR / MD stream, a Driver each
            device.handshake()
    """

    def __init__(
        self, path: str | Path, *, speed: float | None = None, block_rows: int = 256
    ) -> None:
        if speed is not None and not speed > 0:
            raise InputError(f"the replay speed must be positive, got {speed}")
        self.path = Path(path)
        self.speed = speed
        self.recording: Recording = open_recording(self.path)
        self._lock = threading.Lock()
        self._started: float | None = None
        #: Returns True while the consumers are behind; as fast as possible, the devices then
        #: wait instead of making the live processor skip rows (a file can wait, a device
        #: cannot). Set by the session.
        self.consumers_behind: Callable[[], bool] = lambda: False
        #: Largest block a device hands over, bytes (None: ``block_rows`` only). With it, the
        #: rows in flight past a ``consumers_behind`` check stay bounded. Set by the session.
        self.max_block_bytes: int | None = None
        readers = [
            s for s in self.recording.streams.values() if s.kind in ("gpr", "md") and s.n_rows
        ]
        tracks = [s for s in self.recording.streams.values() if s.kind == "gnss" and s.n_rows]
        used = {s.name for s in readers} | {s.name for s in tracks[:1]}
        #: Streams not replayed: radar streams, empty ones, a second GNSS stream.
        self.skipped = [name for name in self.recording.streams if name not in used]
        if not readers:
            self.recording.close()
            raise InputError(f"{self.path} holds no GPR or MD rows to replay")
        firsts = [int(r.column("host_time_ns", 0, 1)[0]) for r in readers + tracks[:1]]
        positive = [f for f in firsts if f > 0]
        origin = min(positive) if positive else None
        events = [e for e in self.recording.events() if e.kind in DEVICE_EVENT_KINDS]
        self.devices = [
            ReplayDevice(
                self,
                reader,
                _row_clock_s(reader, origin),
                [e for e in events if e.stream == reader.name],
                block_rows=block_rows,
            )
            for reader in readers
        ]
        #: The recording's GNSS receiver, replayed (None when it has no GNSS stream).
        self.gnss = ReplayGnss(self, tracks[0], origin) if tracks else None

    def elapsed_s(self) -> float:
        """Recorded time the replay has reached, s (infinite when replaying as fast as
        possible; 0 before the first device starts)."""
        if self.speed is None:
            return math.inf
        with self._lock:
            if self._started is None:
                return 0.0
            return (time.monotonic() - self._started) * self.speed

    def start_clock(self) -> None:
        """Start the shared clock (the first device's start; later calls do nothing)."""
        with self._lock:
            if self._started is None:
                self._started = time.monotonic()

    @property
    def finished(self) -> bool:
        """Whether every device has handed over all its rows and events."""
        gnss_done = self.gnss is None or self.gnss.exhausted
        return gnss_done and all(device.exhausted for device in self.devices)

    def close(self) -> None:
        """Close the recording (idempotent)."""
        with self._lock:
            self.recording.close()


class ReplayDevice(FreeRunning):
    """A sensor driver whose device is one GPR or MD stream of a recording.

    Made by :class:`RecordingReplay` (one per stream); implements
    :class:`detsig.devices.driver.Driver`.

    Parameters
    ----------
    replay : RecordingReplay
        The open recording and the clock shared by its devices.
    reader : StreamReader
        The stream.
    clock_s : ndarray of float64, shape (n_rows,)
        When each row is due, s after the replay's origin.
    events : sequence of Event
        The stream's recorded device events, in recorded order.
    block_rows : int
        Rows per block, at most.
    """

    driver_name = "replay"

    def __init__(
        self,
        replay: RecordingReplay,
        reader: StreamReader,
        clock_s: npt.NDArray[np.float64],
        events: Sequence[Any],
        *,
        block_rows: int = 256,
    ) -> None:
        self.replay = replay
        self.reader = reader
        self.stream_name = reader.name
        self.name = f"replay:{replay.path}#{reader.name}"
        self.link = ReplayLink(self.name)
        self.counters = SensorCounters()
        self.stream: GprHeader | MdHeader | None = None
        self.block_rows = max(1, int(block_rows))
        self._clock_s = clock_s
        self._n_rows = int(clock_s.size)
        host = reader.column("host_time_ns").astype(np.int64)
        # each event goes out just before the first row recorded at or after it
        self._events = list(events)
        self._event_rows = np.searchsorted(
            host, np.array([e.host_time_ns for e in self._events], dtype=np.int64), side="left"
        )
        self._next_row = 0
        self._next_event = 0
        self._columns = [c for c in ("distance_m", "lat_deg", "lon_deg") if c in reader.group]

    # -- the Driver interface ---------------------------------------------------------------
    @property
    def kind(self) -> str:
        """``"gpr"`` or ``"md"`` (after the handshake)."""
        return self.stream.kind if self.stream is not None else ""

    @property
    def applied_config(self) -> dict[str, Any]:
        """The HELLO of the replayed stream (empty before the handshake)."""
        return dict(self.stream.hello) if self.stream is not None else {}

    @property
    def extra_attrs(self) -> dict[str, Any]:
        """Stored stream attributes that are not part of the HELLO or the layout (simulation
        parameters, coil geometry ...), for the re-recorded stream, plus ``replayed_from``."""
        out = {k: v for k, v in self.reader.attrs.items() if k not in _LAYOUT_ATTRS}
        out["replayed_from"] = f"{self.replay.path}#{self.stream_name}"
        return out

    @property
    def position_columns(self) -> list[str]:
        """The per-row position columns the stream has (``distance_m``, ``lat_deg`` ...)."""
        return list(self._columns)

    @property
    def exhausted(self) -> bool:
        """Whether every row and event has been handed over."""
        return self._next_row >= self._n_rows and self._next_event >= len(self._events)

    def handshake(self, timeout_s: float = 3.0) -> None:
        """Configure the stream from the HELLO the recording gives (see :func:`stream_hello`).

        Parameters
        ----------
        timeout_s : float
            Unused: the answer is in the file.
        """
        # the HELLO goes through the bytes a device would send and the parser a driver uses
        payload = json.dumps(stream_hello(self.reader)).encode("utf-8")
        hello = Hello.from_payload(payload).to_dict()
        self.stream = header_from_hello(hello, dtype=np.dtype(self.reader.dtype))

    def start(self, timeout_s: float = 2.0) -> None:
        """Start the replay clock (shared by every stream of the recording).

        Parameters
        ----------
        timeout_s : float
            Unused.
        """
        self.replay.start_clock()

    def replace_link(self, link: Any) -> None:
        """Continue on another link (never needed: a replay link is never lost).

        Parameters
        ----------
        link : Link
            The new link.
        """
        self.link = link

    def drain_backlog(self) -> list[Any]:
        """Nothing is decoded ahead of :meth:`read`.

        Returns
        -------
        list
            Always empty.
        """
        return []

    def finish(self) -> list[Any]:
        """End of the replay: nothing is held half-decoded.

        Returns
        -------
        list
            Always empty.
        """
        return []

    def read(self) -> list[Any]:
        """The rows (and the events before them) that are due, at most ``block_rows`` rows.

        As fast as possible everything is due; at the recorded pace the rows whose recorded
        time the replay clock has reached. When nothing is due the call waits up to the
        link's read timeout, like a port read.

        Returns
        -------
        list of SensorItem
            Event items and one row block, in recorded order (empty when nothing was due).
        """
        if self.exhausted:
            time.sleep(self.link.read_timeout_s)
            return []
        elapsed = self.replay.elapsed_s()
        if not math.isfinite(elapsed) and self.replay.consumers_behind():
            time.sleep(self.link.read_timeout_s / 5)
            return []
        block_rows = self.block_rows
        limit = self.replay.max_block_bytes
        if limit is not None:
            row_bytes = max(1, int(self.reader.data.dtype.itemsize * self.reader.shape[1]) + 48)
            block_rows = max(1, min(block_rows, limit // row_bytes))
        stop = min(self._next_row + block_rows, self._n_rows)
        if math.isfinite(elapsed):
            due = int(np.searchsorted(self._clock_s, elapsed, side="right"))
            stop = min(stop, due)
        items: list[Any] = []
        # an event goes out with the rows before the first row recorded at or after it
        while (
            self._next_event < len(self._events) and int(self._event_rows[self._next_event]) <= stop
        ):
            event = self._events[self._next_event]
            # a bad frame's reason is not stored apart from its text: the whole text is its key
            items.append(EventItem(event.kind, event.detail, event.host_time_ns, count=event.count))
            self._next_event += 1
        if stop > self._next_row:
            items.append(self._block(self._next_row, stop))
            self._next_row = stop
        if not items:
            wait = self.link.read_timeout_s
            if math.isfinite(elapsed) and self._next_row < self._n_rows and self.replay.speed:
                ahead = (self._clock_s[self._next_row] - elapsed) / self.replay.speed
                wait = min(wait, max(ahead, 0.0))
            time.sleep(wait)
        count_delivered(self.counters, items)
        return items

    def _block(self, start: int, stop: int) -> RowBlock:
        group = self.reader.group

        def column(name: str) -> Any:
            return np.asarray(group[name][start:stop])

        positions = {name: column(name).astype(np.float64) for name in self._columns}
        return RowBlock(
            data=np.asarray(self.reader.data[start:stop]),
            seq=column("seq").astype(np.uint32),
            device_time_us=column("device_time_us").astype(np.uint64),
            host_time_ns=column("host_time_ns").astype(np.int64),
            distance_m=positions.get("distance_m"),
            lat_deg=positions.get("lat_deg"),
            lon_deg=positions.get("lon_deg"),
        )


@dataclass
class ReplayGnssCounters:
    """Counts of a replayed GNSS receiver (what the session's status reads).

    Attributes
    ----------
    fixes : int
        Fixes handed over.
    garbled : int
        Always 0: a file holds no garbled sentences.
    """

    fixes: int = 0
    garbled: int = 0


class ReplayGnss:
    """The GNSS receiver of a recording, replayed: its stored fixes, at their recorded times.

    Implements what the session's GNSS reader needs of a GNSS driver.

    Parameters
    ----------
    replay : RecordingReplay
        The open recording and its clock.
    reader : StreamReader
        The GNSS stream.
    origin_ns : int or None
        Host time the replay clock counts from, ns (None: the fixes' own first time).
    """

    driver_name = "replay"
    kind = "gnss"

    def __init__(self, replay: RecordingReplay, reader: StreamReader, origin_ns: int | None):
        self.replay = replay
        self.reader = reader
        self.name = f"replay:{replay.path}#{reader.name}"
        self.link = ReplayLink(self.name)
        self.counters = ReplayGnssCounters()
        self.track = reader.read_track()
        host = self.track.host_time_ns.astype(np.int64)
        if host.size and host[0] > 0 and np.all(np.diff(host) >= 0):
            zero = origin_ns if origin_ns is not None else int(host[0])
            self._clock_s = np.asarray((host - zero) * 1e-9, dtype=np.float64)
        else:
            self._clock_s = np.zeros(host.size)
        self._next = 0

    @property
    def applied_config(self) -> dict[str, Any]:
        """The stored receiver description."""
        return dict(self.reader.device)

    @property
    def exhausted(self) -> bool:
        """Whether every fix has been handed over."""
        return self._next >= self._clock_s.size

    def read(self) -> list[GnssFix]:
        """The fixes that are due (all that are left, as fast as possible).

        Returns
        -------
        list of GnssFix
            In recorded order; empty when none is due (after waiting up to the link's read
            timeout).
        """
        elapsed = self.replay.elapsed_s()
        stop = self._clock_s.size
        if math.isfinite(elapsed):
            stop = int(np.searchsorted(self._clock_s, elapsed, side="right"))
        if stop <= self._next:
            time.sleep(self.link.read_timeout_s)
            return []
        track = self.track
        fixes = [
            GnssFix(
                host_time_ns=int(track.host_time_ns[i]),
                utc_time_s=float(track.utc_time_s[i]),
                lat_deg=float(track.lat_deg[i]),
                lon_deg=float(track.lon_deg[i]),
                alt_m=float(track.alt_m[i]),
                fix_quality=int(track.fix_quality[i]),
                n_satellites=int(track.n_satellites[i]),
                hdop=float(track.hdop[i]),
            )
            for i in range(self._next, stop)
        ]
        self._next = stop
        self.counters.fixes += len(fixes)
        return fixes

    def finish(self) -> list[GnssFix]:
        """Nothing is held half-parsed.

        Returns
        -------
        list
            Always empty.
        """
        return []

    def replace_link(self, link: Any) -> None:
        """Continue on another link (never needed).

        Parameters
        ----------
        link : Link
            The new link.
        """
        self.link = link
