"""The live recording session: ports -> readers -> recorder (HDF5) -> processing / display.

:class:`LiveSession` checks everything that can be checked before it creates the file
(output path, every port opens, every device answers HELLO, the GNSS receiver speaks NMEA),
so a failure leaves nothing behind. It then declares the streams, starts the devices and the
threads, and on :meth:`LiveSession.stop` stops the devices, drains the queues and closes the
file cleanly. A file this run created that received no data at all is removed when the start
fails; nothing else is ever removed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from detsig.acquire.display import DisplayBuffers
from detsig.acquire.queues import ByteBoundedQueue
from detsig.acquire.readers import GnssReader, SensorReader
from detsig.acquire.recorder import Recorder
from detsig.acquire.runner import LiveProcessor, ProcessingRunner
from detsig.devices import GnssDriver
from detsig.devices.driver import SENSOR_KINDS, Driver
from detsig.devices.registry import (
    GNSS_DRIVERS,
    DriverOptions,
    check_driver_name,
    detect_driver,
    make_driver,
    split_port,
)
from detsig.errors import HandshakeError, JobError, RecordingError, UsageError
from detsig.links import Link, PrefixedLink, open_link
from detsig.model import FIX_QUALITY_NAMES, GprHeader, MdHeader, StreamHeader


@dataclass(frozen=True)
class SessionOptions:
    """Settings of a live session.

    Parameters
    ----------
    ports : sequence of str
        Device ports (paths or pyserial URLs), each optionally ``PATH:DRIVER`` (a name of
        :data:`detsig.devices.registry.DRIVERS`) and ``@BAUD`` (its own line speed); without
        a driver it is told from the device's first bytes (see
        :func:`detsig.devices.registry.detect_driver`). A GNSS driver (``ubx``, ``nmea``)
        makes the port the session's GNSS receiver.
    output : Path
        The recording to create (must not exist).
    gnss_port : str, optional
        GNSS receiver port, optionally ``PATH:ubx`` or ``PATH:nmea`` (default: told from
        its bytes, NMEA when it cannot be told).
    driver : str, optional
        Driver of the ports that name none (default: told from the first bytes).
    driver_options : DriverOptions, optional
        Settings of the text and Acconeer drivers.
    baudrate, gnss_baudrate : int
        Line speeds, bit/s.
    hello_timeout_s : float
        Longest wait for a device's HELLO (and the GNSS receiver's first sentence), s.
    operator, site, notes : str
        Stored as root attributes.
    flush_interval_s : float
        Longest time between file flushes, s.
    queue_bytes : int
        Bound of the reader -> recorder queue, bytes.
    processing_queue_bytes : int
        Bound of the recorder -> processing queue, bytes (blocks beyond it are skipped).
    display_gpr_rows, display_md_rows : int
        Rows kept per stream for a live view.
    switch_interval_s : float or None
        Python's thread switch interval while the session runs, s (restored at stop); short
        so that reader threads get the interpreter soon after bytes arrive. None: unchanged.
    swmr : bool
        Write in HDF5 single-writer/multiple-reader mode, so other processes (``detsig view
        --follow``, ``detsig info``) can read the file while it grows. After a crash such a
        file opens with detsig (which retries in SWMR mode) or ``h5py.File(path, "r",
        swmr=True)``, but not with plain h5py until ``h5clear -s``; without it (the default)
        a killed recorder leaves a file plain h5py opens, but nobody can read it while it is
        being written.
    replay : Path, optional
        A recording to replay instead of devices (no ports then): each of its GPR and MD
        streams becomes a device (:class:`detsig.acquire.replay.ReplayDevice`) that hands its
        HELLO, rows (with their positions) and device events to the same readers, recorder,
        processor and display as a live device would.
    replay_speed : float, optional
        1.0 replays at the recorded pace, 2.0 twice as fast; None (default) as fast as the
        session takes the rows (waiting for the live processor rather than letting it skip
        rows).
    """

    ports: Sequence[str]
    output: Path
    gnss_port: str | None = None
    driver: str | None = None
    driver_options: DriverOptions | None = None
    baudrate: int = 115200
    gnss_baudrate: int = 9600
    hello_timeout_s: float = 3.0
    operator: str = ""
    site: str = ""
    notes: str = ""
    flush_interval_s: float = 0.2
    queue_bytes: int = 512 << 20
    processing_queue_bytes: int = 64 << 20
    display_gpr_rows: int = 2048
    display_md_rows: int = 20000
    switch_interval_s: float | None = 0.0005
    swmr: bool = False
    replay: Path | None = None
    replay_speed: float | None = None


@dataclass
class StreamStatus:
    """Live counters of one stream (see :meth:`LiveSession.status`)."""

    name: str
    kind: str
    port: str
    rows: int = 0
    frames: int = 0
    gaps: int = 0
    gap_events: int = 0
    bad_frames: int = 0
    rate_hz: float = 0.0
    connected: bool = True
    disconnects: int = 0


@dataclass
class SessionStatus:
    """A snapshot of the whole session, for the status line."""

    streams: list[StreamStatus] = field(default_factory=list)
    gnss_port: str | None = None
    gnss_fix_quality: int | None = None
    gnss_fix_name: str = ""
    gnss_satellites: int = 0
    gnss_hdop: float = math.nan
    gnss_fixes: int = 0
    gnss_garbled: int = 0
    gnss_connected: bool = True
    file_bytes: int = 0
    candidates: int | None = None
    processing_dropped_rows: int = 0
    elapsed_s: float = 0.0
    recording_s: float = 0.0
    queue_bytes: int = 0


def _stream_header(driver: Any) -> StreamHeader:
    """The driver's stream header, with a sample type (int16 until the first data says)."""
    header = driver.stream
    assert isinstance(header, GprHeader | MdHeader)
    if header.dtype is None:
        header = replace(header, dtype=np.dtype("int16"))
    return header


def _with_probe_hint(error: HandshakeError, driver: Any) -> HandshakeError:
    """A device that said nothing may be an Acconeer module, which speaks only when asked:
    ask it, and name it in the error when it answers."""
    if driver.driver_name == "acconeer" or "nothing at all" not in str(error):
        return error
    from detsig.devices.acconeer_protocol import command
    from detsig.devices.sniff import looks_like

    heard = b""
    with contextlib.suppress(Exception):
        driver.link.write(command("get_system_info"))
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline and not heard.endswith(b"\n"):
            heard += driver.link.read()
    hint = looks_like(heard, driver.driver_name)
    if not hint:
        return error
    return HandshakeError(f"{error}{hint}", step=error.step, parameter=error.parameters)


class LiveSession:
    """Record GPR/MD devices and a GNSS receiver into one new HDF5 file.

    Parameters
    ----------
    options : SessionOptions
    processor : LiveProcessor, optional
        Streaming detector run in its own thread; its candidates go to ``/candidates``.

    Examples
    --------
    ::

        session = LiveSession(SessionOptions(ports=["/dev/ttyUSB0"], output=Path("lane.h5")))
        session.open()          # DeviceError / RecordingError: nothing created
        session.start()
        ...                     # session.status(), session.display.snapshot()
        session.stop()          # file closed cleanly
    """

    def __init__(self, options: SessionOptions, processor: LiveProcessor | None = None) -> None:
        self.options = options
        self.processor = processor
        self.drivers: dict[str, Driver] = {}
        self.gnss_driver: GnssDriver | None = None
        self.gnss_url: str | None = None
        self._bauds: dict[str, int] = {}
        self.gnss_name: str | None = None
        self.streams: dict[str, StreamHeader] = {}
        self.display: DisplayBuffers | None = None
        self.writer: Any = None
        self.recorder: Recorder | None = None
        self.processing: ProcessingRunner | None = None
        self.readers: list[SensorReader | GnssReader] = []
        self._stop = threading.Event()
        self._queue = ByteBoundedQueue(options.queue_bytes)
        self._created_file = False
        self._started_monotonic = 0.0
        self._history: dict[str, deque[tuple[float, int]]] = {}
        self._stopped = False
        self._switch_interval_s: float | None = None
        self.replay: Any = None

    # -- opening ----------------------------------------------------------------------------
    def _open_sensor(self, url: str) -> Link:
        return open_link(url, baudrate=self._bauds.get(url, self.options.baudrate))

    @property
    def stream_kinds(self) -> dict[str, str]:
        """Every stream of the session by name, with its kind (``"gpr"``, ``"md"``,
        ``"radar"``, ``"gnss"``), in recording order."""
        kinds = {name: header.kind for name, header in self.streams.items()}
        if self.gnss_name is not None:
            kinds[self.gnss_name] = "gnss"
        return kinds

    @property
    def _gnss_port(self) -> str | None:
        return self.gnss_url or self.options.gnss_port

    def _open_gnss(self, url: str) -> Link:
        return open_link(url, baudrate=self._bauds.get(url, self.options.gnss_baudrate))

    def open(self) -> None:
        """Open every port and identify every device; nothing is created on disk.

        Raises
        ------
        UsageError
            No ports, or the same port twice.
        RecordingError
            The output exists or its folder is missing.
        DeviceError
            A port cannot be opened or a device does not answer.
        LinkLost
            A port opened and then stopped working during the handshake (a failed job).
        """
        opts = self.options
        if opts.replay is not None:
            if opts.ports or opts.gnss_port:
                raise UsageError(
                    "a replayed recording takes the place of the devices; give either the "
                    "recording to replay or device ports, not both"
                )
            self._check_output()
            self._open_replay()
            return
        if not opts.ports and not opts.gnss_port:
            raise UsageError(
                "there is nothing to record: give at least one sensor port or a GNSS receiver port",
                parameter=("port", "gnss"),
            )
        if opts.driver is not None:
            check_driver_name(opts.driver)
        specs = [(*split_port(p), False) for p in opts.ports]
        if opts.gnss_port:
            specs.append((*split_port(opts.gnss_port), True))
        every = [url for url, _, _, _ in specs]
        if len({os.path.realpath(p) if "://" not in p else p for p in every}) != len(every):
            raise UsageError("the same port is given twice; give each device's port once")
        self._check_output()
        try:
            counts: dict[str, int] = {}
            for url, named, baud, on_gnss_flag in specs:
                driver = self._open_driver(url, named, baud, on_gnss_flag)
                if driver.kind == "gnss":
                    continue
                kind = driver.kind
                name = f"{kind}{counts.get(kind, 0)}"
                counts[kind] = counts.get(kind, 0) + 1
                self.streams[name] = _stream_header(driver)
        except BaseException:
            self._close_links()
            raise

    def _check_output(self) -> None:
        """The output must be new, in a folder that exists and is writable."""
        output = Path(self.options.output)
        if output.exists() or output.is_symlink():
            raise RecordingError(
                f"{output} already exists; detsig never overwrites a recording, "
                "so give a new file name"
            )
        if not output.parent.is_dir():
            raise RecordingError(
                f"the folder {output.parent} does not exist; create it or choose another path"
            )
        if not os.access(output.parent, os.W_OK):
            raise RecordingError(f"no permission to create {output}; choose a writable folder")

    def _open_replay(self) -> None:
        """Open the recording to replay; each GPR / MD stream becomes a device."""
        from detsig.acquire.replay import RecordingReplay

        opts = self.options
        assert opts.replay is not None
        self.replay = RecordingReplay(opts.replay, speed=opts.replay_speed)
        try:
            counts: dict[str, int] = {}
            for device in self.replay.devices:
                device.handshake(opts.hello_timeout_s)
                self.drivers[device.link.url] = device
                kind = device.kind
                name = f"{kind}{counts.get(kind, 0)}"
                counts[kind] = counts.get(kind, 0) + 1
                self.streams[name] = _stream_header(device)
            if self.replay.gnss is not None:
                self.gnss_driver = cast(Any, self.replay.gnss)
                self.gnss_url = self.replay.gnss.link.url
                self.gnss_name = "gnss0"
        except BaseException:
            self._close_links()
            raise

    @property
    def input_ended(self) -> bool:
        """Whether the input has ended by itself: a replayed recording handed over every row
        and event (live devices never end by themselves)."""
        return self.replay is not None and self.replay.finished

    def _open_driver(
        self, url: str, named: str | None, baud: int | None, on_gnss_flag: bool
    ) -> Any:
        """Open ``url``, choose its driver (named, ``--driver``, or told from its bytes),
        register it and run its handshake."""
        opts = self.options
        name = named or (None if on_gnss_flag else opts.driver)
        gnss = on_gnss_flag or name in GNSS_DRIVERS
        self._bauds[url] = baud or (opts.gnss_baudrate if gnss else opts.baudrate)
        link: Link = open_link(url, baudrate=self._bauds[url])
        if name is None:
            try:
                guess, heard = detect_driver(link, among=GNSS_DRIVERS if on_gnss_flag else None)
            except BaseException:
                link.close()
                raise
            link = PrefixedLink(link, heard)
            name = guess or ("nmea" if on_gnss_flag else "wire")
        if on_gnss_flag and name not in GNSS_DRIVERS:
            link.close()
            raise UsageError(
                f"the GNSS receiver port takes a GNSS receiver driver (ubx or nmea), not "
                f"'{name}'; record {url} as a sensor port ({url}:{name}) instead",
                parameter=("gnss", "port"),
            )
        driver = make_driver(name, link, url, opts.driver_options)
        if name in GNSS_DRIVERS:
            if self.gnss_driver is not None:
                link.close()
                raise UsageError(
                    f"{url} is a second GNSS receiver; detsig records one, so give only one of them"
                )
            self.gnss_driver, self.gnss_url = driver, url
            self.gnss_name = "gnss0"
        else:
            self.drivers[url] = driver
        try:
            driver.handshake(opts.hello_timeout_s)
        except HandshakeError as error:
            raise _with_probe_hint(error, driver) from None
        return driver

    def _close_links(self) -> None:
        for driver in self.drivers.values():
            driver.link.close()
        if self.gnss_driver is not None:
            self.gnss_driver.link.close()
        if self.replay is not None:
            self.replay.close()

    # -- starting ---------------------------------------------------------------------------
    def start(self) -> None:
        """Create the file, declare the streams, start the devices and the threads.

        Raises
        ------
        DeviceError
            A device refused to start (the file, still empty, is removed).
        """
        from detsig.io.recording import RecordingWriter

        opts = self.options
        if not self.streams and self.gnss_driver is None:
            self.open()
        self.writer = RecordingWriter(
            opts.output,
            swmr=opts.swmr,
            flush_interval_s=opts.flush_interval_s,
            operator=opts.operator,
            site=opts.site,
            notes=opts.notes,
        )
        self._created_file = True
        try:
            extra = {"lat_deg": "<f8", "lon_deg": "<f8"} if self.gnss_name else None
            names = list(self.streams)
            for name, (url, driver) in zip(names, self.drivers.items(), strict=True):
                header = self.streams[name]
                attrs: dict[str, Any] = {"port": url, "driver": driver.driver_name}
                # a replayed stream keeps its stored attributes and its own lat/lon columns
                attrs.update(getattr(driver, "extra_attrs", {}))
                columns = getattr(driver, "position_columns", None)
                if columns is not None:  # replayed: the columns the stream had
                    has = "lat_deg" in columns and "lon_deg" in columns
                    extra = {"lat_deg": "<f8", "lon_deg": "<f8"} if has else None
                else:
                    extra = {"lat_deg": "<f8", "lon_deg": "<f8"} if self.gnss_name else None
                if isinstance(header, MdHeader):
                    if header.gate_delays_s:
                        attrs["gate_delays_s"] = json.dumps(list(header.gate_delays_s))
                    self.writer.add_md_stream(
                        name,
                        device=dict(header.hello),
                        n_channels=header.width,
                        dtype=str(header.dtype),
                        sample_rate_hz=header.sample_rate_hz,
                        channel_names=list(header.channel_names),
                        units=header.units,
                        extra_columns=extra,
                        attrs=attrs,
                    )
                elif header.kind == "radar":
                    self.writer.add_radar_stream(
                        name,
                        device=dict(header.hello),
                        extra_columns=extra,
                        attrs=attrs,
                        **cast(Any, driver).radar_layout,
                    )
                else:
                    stated = header.config
                    for key in ("traces_per_s", "trace_step_m", "antenna_height_m"):
                        if isinstance(stated.get(key), int | float):
                            attrs[key] = stated[key]
                    self.writer.add_gpr_stream(
                        name,
                        device=dict(header.hello),
                        n_samples=header.n_samples,
                        dtype=str(header.dtype),
                        sample_interval_s=header.sample_interval_s,
                        center_frequency_hz=header.center_frequency_hz,
                        time_zero_s=header.time_zero_s if header.time_zero_stated else None,
                        extra_columns=extra,
                        attrs=attrs,
                    )
            if self.gnss_name is not None:
                assert self.gnss_driver is not None
                self.writer.add_gnss_stream(
                    self.gnss_name,
                    device=self.gnss_driver.applied_config,
                    attrs={"port": self._gnss_port, "driver": self.gnss_driver.driver_name},
                )
            self.writer.flush()
            if opts.swmr:
                # Every dataset exists now (streams with their lat/lon columns, /events and,
                # in SWMR mode, /candidates); nothing is created after this point.
                self.writer.start_swmr()
            for driver in self.drivers.values():
                driver.start()
        except BaseException:
            self._abandon()
            raise
        sensors = {n: i for n, i in self.streams.items() if i.kind in SENSOR_KINDS}
        self.display = DisplayBuffers(
            sensors, gpr_rows=opts.display_gpr_rows, md_rows=opts.display_md_rows
        )
        if self.processor is not None:
            self.processing = ProcessingRunner(
                self.processor, self.streams, max_bytes=opts.processing_queue_bytes
            )
            self.processing.start()
            if self.replay is not None:
                # a replayed file waits for the live processor instead of being skipped by it:
                # rows in flight (the recorder's queue, a block per device) and waiting for
                # processing stay below half the processing queue's bound
                processing, queue = self.processing, self._queue
                limit = opts.processing_queue_bytes // 4
                self.replay.max_block_bytes = max(1, limit // max(1, len(self.drivers)))
                self.replay.consumers_behind = lambda: (
                    processing.backlog_bytes + queue.n_bytes > limit
                )
        for name, driver in zip(sensors, self.drivers.values(), strict=True):
            self.readers.append(
                SensorReader(
                    name, driver, self._queue, self._open_sensor, self._stop, opts.hello_timeout_s
                )
            )
        if self.gnss_driver is not None and self.gnss_name is not None:
            self.readers.append(
                GnssReader(
                    self.gnss_name, self.gnss_driver, self._queue, self._open_gnss, self._stop
                )
            )
        self.recorder = Recorder(
            self.writer,
            self._queue,
            sensors,
            self.gnss_name,
            readers_alive=lambda: any(r.is_alive() for r in self.readers),
            display=self.display,
            processing=self.processing,
        )
        self._started_monotonic = time.monotonic()
        if opts.switch_interval_s is not None:
            # Reader threads wake on every chunk of bytes; a short GIL switch interval lets
            # them in while the recorder thread is busy (the 5 ms default lets the kernel and
            # device buffers overflow at several thousand traces per second).
            self._switch_interval_s = sys.getswitchinterval()
            sys.setswitchinterval(min(opts.switch_interval_s, self._switch_interval_s))
        for reader in self.readers:
            reader.start()
        self.recorder.start()

    def _abandon(self) -> None:
        """Close and remove the file this run created (it holds no data yet)."""
        with contextlib.suppress(Exception):
            for driver in self.drivers.values():
                with contextlib.suppress(Exception):
                    driver.stop(timeout_s=0.2)
        self._close_links()
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
            if self._created_file:
                with contextlib.suppress(OSError):
                    Path(self.options.output).unlink()
                self._created_file = False

    # -- running ----------------------------------------------------------------------------
    @property
    def first_row_monotonic(self) -> float | None:
        """Monotonic time of the first trace/frame written (None before)."""
        return None if self.recorder is None else self.recorder.first_row_monotonic

    @property
    def failed(self) -> BaseException | None:
        """The error that ended a thread, if any."""
        if self.recorder is not None and self.recorder.error is not None:
            return self.recorder.error
        for reader in self.readers:
            if reader.error is not None:
                return reader.error
        return None

    def status(self) -> SessionStatus:
        """Counters for a status line (call from the main thread, about twice a second).

        Returns
        -------
        SessionStatus
            Per-stream rows, frames, gaps, bad frames, rate (Hz) and connection state, the GNSS
            fix, file size (bytes), candidates, dropped rows, and elapsed and recording time (s).
        """
        now = time.monotonic()
        out = SessionStatus(gnss_port=self._gnss_port)
        recorder = self.recorder
        sensors = [r for r in self.readers if isinstance(r, SensorReader)]
        for reader in sensors:
            info = self.streams[reader.stream]
            counters = reader.driver.counters
            rows = recorder.states[reader.stream].rows if recorder else 0
            history = self._history.setdefault(reader.stream, deque(maxlen=8))
            history.append((now, rows))
            t0, r0 = history[0]
            rate = (rows - r0) / (now - t0) if now > t0 else 0.0
            out.streams.append(
                StreamStatus(
                    name=reader.stream,
                    kind=info.kind,
                    port=reader.url,
                    rows=rows,
                    frames=counters.frames,
                    gaps=counters.gaps,
                    gap_events=counters.gap_events,
                    bad_frames=counters.bad_frames,
                    rate_hz=rate,
                    connected=reader.connected,
                    disconnects=reader.disconnects,
                )
            )
        if recorder is not None and self.gnss_driver is not None:
            fix = recorder.last_fix
            if fix is not None:
                out.gnss_fix_quality = fix.fix_quality
                out.gnss_fix_name = FIX_QUALITY_NAMES.get(fix.fix_quality, "unknown")
                out.gnss_satellites = fix.n_satellites
                out.gnss_hdop = fix.hdop
            out.gnss_fixes = recorder.gnss_fixes
            out.gnss_garbled = self.gnss_driver.counters.garbled
            out.gnss_connected = all(r.connected for r in self.readers if isinstance(r, GnssReader))
        if self.writer is not None:
            out.file_bytes = self.writer.size_bytes
        if self.processing is not None and recorder is not None:
            out.candidates = recorder.n_candidates
            out.processing_dropped_rows = self.processing.rows_dropped
        out.elapsed_s = now - self._started_monotonic if self._started_monotonic else 0.0
        first = self.first_row_monotonic
        out.recording_s = now - first if first is not None else 0.0
        out.queue_bytes = self._queue.n_bytes
        if self.display is not None:
            self.display.set_counters(
                {
                    s.name: {
                        "rows": s.rows,
                        "frames": s.frames,
                        "gaps": s.gaps,
                        "gap_events": s.gap_events,
                        "bad_frames": s.bad_frames,
                        "rate_hz": s.rate_hz,
                        "connected": s.connected,
                    }
                    for s in out.streams
                }
            )
        return out

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the devices, drain everything into the file and close it (idempotent).

        Parameters
        ----------
        timeout_s : float
            Longest wait for each reader thread and for the recorder, s.

        Raises
        ------
        JobError
            The recorder failed (for example the disk is full); the file keeps everything up
            to its last flush.
        """
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        for reader in self.readers:
            reader.join(timeout_s)
        if self._switch_interval_s is not None:
            sys.setswitchinterval(self._switch_interval_s)
            self._switch_interval_s = None
        if self.recorder is not None:
            self.recorder.join(timeout_s)
            if self.recorder.error is not None:
                raise JobError(
                    f"writing {self.options.output} failed: {self.recorder.error}; "
                    "the file holds everything up to its last flush"
                ) from self.recorder.error
        elif self.writer is not None:
            self.writer.close()
        if self.replay is not None:
            self.replay.close()
        if self.display is not None:
            # the display's counters end at the rows recorded, not at the last status() call
            self.status()

    def remove_empty_output(self) -> bool:
        """After :meth:`stop`: remove the output if this run created it and it received no
        trace, frame or fix; True if removed. Any other file is never touched.

        Returns
        -------
        bool
            True if the file was removed.
        """
        recorder = self.recorder
        if not self._created_file or recorder is None or not self._stopped:
            return False
        if any(state.rows for state in recorder.states.values()) or recorder.gnss_fixes:
            return False
        with contextlib.suppress(OSError):
            Path(self.options.output).unlink()
            self._created_file = False
            return True
        return False

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.recorder is not None:
            self.stop()
        else:
            self._abandon() if self.writer is not None else self._close_links()
