"""The recorder thread: the only code that touches the HDF5 file during a live session.

It takes everything the readers decoded from one bounded queue, gives each trace / MD frame
its position (encoder, else GNSS), appends rows in batches, writes events and candidates,
feeds the processing and display stages without ever waiting for them, and flushes the file
at least every ``flush_interval_s`` (0.2 s by default), so a recorder killed at any moment
leaves a file that opens with plain h5py and holds every row that arrived up to about
0.4 s before the kill (row hold-back for positions ``POSITION_HOLD_S`` + flush interval).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detsig.acquire.display import DisplayBuffers
from detsig.acquire.positions import EncoderPositions, GnssPositions
from detsig.acquire.queues import ByteBoundedQueue
from detsig.acquire.runner import ProcessingRunner
from detsig.devices import EventItem, GnssFix, MessageItem, fixes_to_track
from detsig.io.recording import RecordingWriter
from detsig.io.writer import SampleStreamWriter, TrackStreamWriter
from detsig.model import FIX_QUALITY_NAMES, RowBlock, StreamHeader
from detsig.wire import DeviceErrorMessage, Mark, MarkKind, Status, WheelPosition

#: Longest a row waits for the encoder/GNSS reading that brackets it, s.
POSITION_HOLD_S = 0.1
_HOLD_NS = int(POSITION_HOLD_S * 1e9)
_LOOP_S = 0.05


@dataclass
class _SensorState:
    info: StreamHeader
    pending: list[RowBlock] = field(default_factory=list)
    encoder: EncoderPositions = field(default_factory=EncoderPositions)
    rows: int = 0
    marks: int = 0
    device_errors: int = 0
    last_status: dict[str, Any] = field(default_factory=dict)


def _mark_text(mark: Mark) -> str:
    try:
        kind = MarkKind(mark.kind).name.lower()
    except ValueError:
        kind = f"kind {mark.kind}"
    return f"{kind}: {mark.text}" if mark.text else kind


class Recorder(threading.Thread):
    """Writes what the readers queue into a :class:`RecordingWriter`.

    Parameters
    ----------
    writer : RecordingWriter
        The open file, with every stream declared.
    queue : ByteBoundedQueue
        Entries ``(stream_name, list_of_items)`` from the readers.
    sensors : dict of str to StreamHeader
        The GPR/MD streams.
    gnss_name : str or None
        The GNSS stream name, if any.
    readers_alive : callable
        True while a reader thread may still queue entries.
    display : DisplayBuffers, optional
    processing : ProcessingRunner, optional
    """

    def __init__(
        self,
        writer: RecordingWriter,
        queue: ByteBoundedQueue,
        sensors: dict[str, StreamHeader],
        gnss_name: str | None,
        readers_alive: Callable[[], bool],
        display: DisplayBuffers | None = None,
        processing: ProcessingRunner | None = None,
    ) -> None:
        super().__init__(name="detsig-recorder", daemon=True)
        self.writer = writer
        self.queue = queue
        self.gnss_name = gnss_name
        self.readers_alive = readers_alive
        self.display = display
        self.processing = processing
        self.states = {name: _SensorState(info) for name, info in sensors.items()}
        self.gnss = GnssPositions()
        self.gnss_fixes = 0
        self.last_fix: GnssFix | None = None
        self.events_written: dict[str, int] = {}
        self.n_candidates = 0
        #: Monotonic time of the first trace/frame written (of the first GNSS fix row when
        #: there is no GPR/MD stream); ``--duration`` and the status clock count from it.
        self.first_row_monotonic: float | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.busy_s = 0.0
        self.cpu_s = 0.0

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        cpu0 = time.thread_time()
        try:
            while True:
                alive = self.readers_alive()
                entries = self.queue.get_all(_LOOP_S)
                start = time.perf_counter()
                for name, items in entries:
                    self._handle(name, items)
                final = not alive and not entries and not len(self.queue)
                self._release(final=final)
                self._side_outputs()
                self.writer.maybe_flush()
                self.busy_s += time.perf_counter() - start
                self.cpu_s = time.thread_time() - cpu0
                if final:
                    break
            if self.processing is not None:
                self.processing.stop()
                self._side_outputs()
            self.writer.close()
        except BaseException as error:  # reported by the session; the file keeps its last flush
            self.error = error
            with contextlib.suppress(Exception):
                self.writer.close()
        finally:
            self.cpu_s = time.thread_time() - cpu0
            self.done.set()

    def _event(
        self, kind: str, stream: str, detail: str, host_time_ns: int | None, count: int = 1
    ) -> None:
        self.writer.add_event(
            kind, stream=stream, detail=detail, host_time_ns=host_time_ns, count=count
        )
        self.events_written[kind] = self.events_written.get(kind, 0) + 1

    def _handle(self, name: str, items: list[Any]) -> None:
        if name == self.gnss_name:
            fixes = [item for item in items if isinstance(item, GnssFix)]
            for item in items:
                if isinstance(item, EventItem):
                    self._event(item.kind, name, item.detail, item.host_time_ns, item.count)
            if fixes:
                self._fixes(name, fixes)
            return
        state = self.states[name]
        for item in items:
            if isinstance(item, RowBlock):
                state.pending.append(item)
            elif isinstance(item, EventItem):
                self._event(item.kind, name, item.detail, item.host_time_ns, item.count)
            elif isinstance(item, MessageItem):
                self._message(name, state, item)

    def _message(self, name: str, state: _SensorState, item: MessageItem) -> None:
        message = item.message
        if isinstance(message, WheelPosition):
            state.encoder.add(item.device_time_us, message.distance_m)
        elif isinstance(message, Mark):
            state.marks += 1
            self._event("mark", name, _mark_text(message), item.host_time_ns)
        elif isinstance(message, DeviceErrorMessage):
            state.device_errors += 1
            self._event(
                "device_error", name, f"{message.code}: {message.message}", item.host_time_ns
            )
        elif isinstance(message, Status):
            state.last_status = dict(message.values)
            detail = ", ".join(f"{k}={v}" for k, v in message.values.items())
            self._event("status", name, detail, item.host_time_ns)
        # HELLO (answers to our requests) and ACK need no row or event.

    def _fixes(self, name: str, fixes: list[GnssFix]) -> None:
        stream = self.writer.streams[name]
        assert isinstance(stream, TrackStreamWriter)
        stream.append(fixes_to_track(fixes))
        self.gnss_fixes += len(fixes)
        if not self.states and self.first_row_monotonic is None:
            # GNSS-only session: the recording starts with the first fix sentence.
            self.first_row_monotonic = time.monotonic()
        for fix in fixes:
            if fix.has_position:
                self.gnss.add(fix.host_time_ns, fix.lat_deg, fix.lon_deg)
        self.last_fix = fixes[-1]
        if self.display is not None:
            fix = fixes[-1]
            self.display.set_gnss(
                {
                    "lat_deg": fix.lat_deg,
                    "lon_deg": fix.lon_deg,
                    "fix_quality": fix.fix_quality,
                    "fix_name": FIX_QUALITY_NAMES.get(fix.fix_quality, "unknown"),
                    "n_satellites": fix.n_satellites,
                    "hdop": fix.hdop,
                    "utc_time_s": fix.utc_time_s,
                    "distance_m": self.gnss.distance_m,
                }
            )

    # -- rows -------------------------------------------------------------------------------
    def _ready(self, state: _SensorState, block: RowBlock, now_ns: int) -> bool:
        if block.distance_m is not None or now_ns - int(block.host_time_ns[0]) >= _HOLD_NS:
            return True  # rows that bring their positions wait for nothing
        if state.encoder.seen:
            return state.encoder.last_time_us >= float(block.device_time_us[-1])
        if self.gnss_name is not None:
            return self.gnss.last_time_ns >= float(block.host_time_ns[-1])
        return False  # wait briefly: an ENCODER message may still come for these rows

    def _release(self, *, final: bool) -> None:
        now_ns = time.time_ns()
        for name, state in self.states.items():
            n_ready = 0
            for block in state.pending:
                if not (final or self._ready(state, block, now_ns)):
                    break
                n_ready += 1
            if n_ready:
                blocks, state.pending = state.pending[:n_ready], state.pending[n_ready:]
                self._write_rows(name, state, blocks)

    def _write_rows(self, name: str, state: _SensorState, blocks: list[RowBlock]) -> None:
        def cat(values: list[Any]) -> Any:
            return values[0] if len(values) == 1 else np.concatenate(values)

        data = cat([b.data for b in blocks])
        seq = cat([b.seq for b in blocks])
        device_time_us = cat([b.device_time_us for b in blocks])
        host_time_ns = cat([b.host_time_ns for b in blocks])
        n_rows = data.shape[0]
        if self.gnss_name is not None:
            gnss_distance, lat, lon = self.gnss.at(host_time_ns)
        else:
            gnss_distance = lat = lon = np.full(n_rows, np.nan)
        distance = (
            state.encoder.distance_at(device_time_us) if state.encoder.seen else gnss_distance
        )
        # rows that bring their own positions (a replayed recording) keep them
        if all(b.distance_m is not None for b in blocks):
            distance = cat([b.distance_m for b in blocks])
        if all(b.lat_deg is not None and b.lon_deg is not None for b in blocks):
            lat = cat([b.lat_deg for b in blocks])
            lon = cat([b.lon_deg for b in blocks])
        writer = self.writer.streams[name]
        assert isinstance(writer, SampleStreamWriter)
        has_lat_lon = {"lat_deg", "lon_deg"} <= set(writer.column_names)
        extra = {"lat_deg": lat, "lon_deg": lon} if has_lat_lon else {}
        writer.append(
            data,
            seq=seq,
            device_time_us=device_time_us,
            host_time_ns=host_time_ns,
            distance_m=distance,
            **extra,
        )
        if self.first_row_monotonic is None:
            self.first_row_monotonic = time.monotonic()
        block = RowBlock(
            data=data,
            seq=seq,
            device_time_us=device_time_us,
            host_time_ns=host_time_ns,
            distance_m=distance,
            lat_deg=lat,
            lon_deg=lon,
            first_row=state.rows,
        )
        state.rows += n_rows
        if self.display is not None:
            self.display.push_rows(name, block)
        if self.processing is not None:
            self.processing.offer(name, block)

    def _side_outputs(self) -> None:
        if self.processing is None:
            return
        for kind, stream, detail in self.processing.take_events():
            self._event(kind, stream, detail, None)
        candidates = self.processing.take_candidates()
        if candidates:
            self.writer.write_candidates(candidates)
            self.n_candidates += len(candidates)
            if self.display is not None:
                self.display.push_candidates(candidates)
