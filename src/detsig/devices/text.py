"""Driver of plain-text detectors: Arduino / DIY pulse-induction and VLF boards that print
one line of numbers per reading.

A line holds the same number of fields every time, separated by commas, semicolons, tabs or
spaces (``512,498,7`` or ``512 498 7``), ended by LF or CR LF. An optional header line of
names (``t_ms,gate1,gate2``) names the channels; without one they are ``ch0``, ``ch1`` ...
Values are stored as int32 when the first data line holds only integers, else as float64.
A field named ``t_ms``, ``millis`` or ``time_ms`` is also the device clock of its row.

Every line that does not fit (wrong field count, not a number, not ASCII, longer than
:data:`MAX_LINE_BYTES`) is a ``bad_frame`` event; a repeat of the header line (the board
rebooted) is a ``status`` event. Such boards have no sequence number, so no gaps can be
detected; each row carries its host arrival time.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from detsig.devices.driver import (
    BacklogDriver,
    FreeRunning,
    LineBuffer,
    SensorCounters,
)
from detsig.devices.header import header_from_hello
from detsig.devices.sensor import EventItem, SensorItem
from detsig.devices.sniff import heard_more, looks_like
from detsig.errors import HandshakeError
from detsig.links import Link
from detsig.model import MdHeader, RowBlock

#: Longest line accepted, bytes; longer runs without a line end are bad lines.
MAX_LINE_BYTES = 1024
#: Names of a field that is the board's clock in milliseconds.
TIME_FIELDS = ("t_ms", "millis", "time_ms")
#: How long the handshake listens to measure the line rate, s.
RATE_WINDOW_S = 0.5
_SPLIT = re.compile(r"[,;\t ]+")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def split_fields(line: str) -> list[str]:
    """Split a line at commas, semicolons, tabs or runs of spaces.

    Parameters
    ----------
    line : str
        One line without its line end.

    Returns
    -------
    list of str
        The fields (empty for a blank line).

    Examples
    --------
    >>> split_fields("512, 498;7")
    ['512', '498', '7']
    """
    text = line.strip(" ,;\t")
    return _SPLIT.split(text) if text else []


def _count_reason(got: int, expected: int) -> str:
    return f"{got} field{'' if got == 1 else 's'}, expected {expected}"


def _is_header(fields: list[str]) -> bool:
    return bool(fields) and all(_NAME.match(f) for f in fields)


@dataclass(frozen=True)
class TextLayout:
    """What the lines of one board hold.

    Parameters
    ----------
    channel_names : tuple of str
        One name per field.
    dtype : numpy.dtype
        int32 or float64.
    header : bool
        Whether the board printed a header line.
    """

    channel_names: tuple[str, ...]
    dtype: np.dtype[Any]
    header: bool

    @property
    def time_column(self) -> int | None:
        """Index of the millisecond clock field, if there is one."""
        for name in TIME_FIELDS:
            if name in self.channel_names:
                return self.channel_names.index(name)
        return None


class TextDriver(FreeRunning, BacklogDriver):
    """A detector that prints lines of numbers, recorded as an MD stream.

    Parameters
    ----------
    link : Link
        The open port (9600-115200 baud typically).
    name : str, optional
        Name used in messages (default: the port path).
    channel_names : sequence of str, optional
        Names to use when the board prints no header (must match the field count).
    units : str
        Unit of the values (default ``"adc_counts"``).

    Such boards print from power-on, so there is nothing to start or stop; after a reconnect
    the lines simply continue (a repeated header is expected).

    Examples
    --------
    ::

        driver = TextDriver(open_link("/dev/ttyUSB0", baudrate=9600))
        driver.handshake()          # learns channels and line rate
        for item in driver.read():
            ...
    """

    driver_name = "text"

    def __init__(
        self,
        link: Link,
        name: str | None = None,
        *,
        channel_names: list[str] | None = None,
        units: str = "adc_counts",
    ) -> None:
        self.link = link
        self.name = name or link.url
        self.given_names = tuple(channel_names) if channel_names else None
        self.units = units
        self.layout: TextLayout | None = None
        self.stream: MdHeader | None = None
        self.counters = SensorCounters()
        self.sample_rate_hz = float("nan")
        self._lines = LineBuffer(MAX_LINE_BYTES)
        self._backlog: list[SensorItem] = []
        self._rows: list[list[float | int]] = []
        self._row_times: list[int] = []
        self._lines_seen = 0
        self._bad_examples: list[str] = []
        self._seq = 0
        self._header_names: tuple[str, ...] | None = None
        self._first_row_ns = 0
        self._handshake_lines: list[int] = []
        self._heard = b""

    # -- the Driver interface ---------------------------------------------------------------
    @property
    def kind(self) -> str:
        """Always ``"md"``."""
        return "md"

    def handshake(self, timeout_s: float = 3.0) -> None:
        """Wait for the first data line (and a header before it), then measure the line rate.

        Parameters
        ----------
        timeout_s : float
            Longest wait for the first data line, s.

        Raises
        ------
        HandshakeError
            No data line within ``timeout_s`` (``step`` ``"first data line"``), or its field
            count disagrees with ``channel_names`` (``step`` ``"channels"``).
        LinkLost
            The port died meanwhile.
        """
        deadline = time.monotonic() + timeout_s
        while not self._has_data:
            if time.monotonic() >= deadline:
                raise self._silence(timeout_s)
            self._pump()
        first_ns = self._first_row_ns
        window_end = time.monotonic() + RATE_WINDOW_S
        while time.monotonic() < window_end:
            self._pump()
        self._flush()
        rows = [b for b in self._backlog if isinstance(b, RowBlock)]
        times = np.concatenate([b.host_time_ns for b in rows]) if rows else np.zeros(0)
        clock = np.concatenate([b.device_time_us for b in rows]) if rows else np.zeros(0)
        lines = self._handshake_lines
        if clock.size >= 2 and clock[-1] > clock[0] and len(lines) == clock.size:
            # The board's own clock beats host arrival times (read in chunks); broken lines
            # between two rows count as the lines they were.
            span_s = (float(clock[-1]) - float(clock[0])) * 1e-6
            self.sample_rate_hz = (lines[-1] - lines[0]) / span_s
        elif times.size >= 2 and times[-1] > first_ns:
            self.sample_rate_hz = (times.size - 1) / ((times[-1] - first_ns) * 1e-9)
        self._set_stream()

    def _cut_input(self) -> None:
        """A half line at the end of the input is a bad line."""
        self.finish_line()

    def finish_line(self) -> None:
        """Count a half line waiting in the buffer as a bad line and forget it."""
        rest = self._lines.take_rest()
        if rest:
            self._bad("line cut off", rest, time.time_ns())

    # -- parsing ----------------------------------------------------------------------------
    def _pump(self) -> None:
        data = self.link.read()
        if not data:
            return
        self.counters.bytes_read += len(data)
        self._heard = heard_more(self._heard, data)
        self.feed(data, time.time_ns())

    def feed(self, data: bytes, host_time_ns: int) -> None:
        """Parse a chunk of the byte stream (split anywhere).

        Parameters
        ----------
        data : bytes
            The next bytes from the board.
        host_time_ns : int
            Arrival time, ns since the epoch.
        """
        lines, overflow = self._lines.feed(data)
        for line in lines:
            self._line(line, host_time_ns)
        if overflow is not None:
            self._bad("line too long", overflow[:40], host_time_ns)

    def _line(self, raw: bytes, now_ns: int) -> None:
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            return
        self._lines_seen += 1
        self.counters.frames += 1
        if len(raw) > MAX_LINE_BYTES:
            self._bad("line too long", raw[:40], now_ns)
            return
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            self._bad("not text", raw, now_ns)
            return
        fields = split_fields(text)
        layout = self.layout
        if _is_header(fields):
            if layout is None:
                self._new_layout(tuple(fields), None, header=True)
            elif tuple(fields) == layout.channel_names:
                self._flush()
                self._backlog.append(EventItem("status", "header line repeated", now_ns))
            else:
                self._bad("header changed", raw, now_ns)
            return
        if layout is None or not layout.channel_names:
            names = self.given_names or self._header_names
            try:
                values = [int(f) for f in fields]
                dtype: np.dtype[Any] = np.dtype(np.int32)
            except ValueError:
                try:
                    values = [float(f) for f in fields]  # type: ignore[misc]
                except ValueError:
                    self._bad("not numbers", raw, now_ns)
                    return
                dtype = np.dtype(np.float64)
            if names is not None and len(names) != len(values):
                self._bad(_count_reason(len(values), len(names)), raw, now_ns)
                return
            self._new_layout(names or tuple(f"ch{i}" for i in range(len(values))), dtype)
            self._first_row_ns = now_ns
            self._row(values, now_ns)
            return
        if len(fields) != len(layout.channel_names):
            self._bad(_count_reason(len(fields), len(layout.channel_names)), raw, now_ns)
            return
        try:
            if layout.dtype.kind == "i":
                row: list[Any] = [int(f) for f in fields]
                if any(not -(2**31) <= v < 2**31 for v in row):
                    raise ValueError
            else:
                row = [float(f) for f in fields]
        except ValueError:
            self._bad("not numbers", raw, now_ns)
            return
        self._row(row, now_ns)

    def _new_layout(
        self, names: tuple[str, ...], dtype: np.dtype[Any] | None, *, header: bool = False
    ) -> None:
        if dtype is None:
            # A header alone: names known, type decided by the first data line.
            self._header_names = names
            self.layout = TextLayout((), np.dtype(np.int32), True)
            return
        had_header = self._header_names is not None
        self.layout = TextLayout(names, dtype, had_header)

    def _row(self, values: list[Any], now_ns: int) -> None:
        if self.stream is None:
            self._handshake_lines.append(self._lines_seen)
        self._rows.append(values)
        self._row_times.append(now_ns)

    def _flush(self) -> None:
        """Rows parsed since the last flush become one row block in the backlog."""
        layout = self.layout
        if not self._rows or layout is None:
            return
        data = np.array(self._rows, dtype=layout.dtype)
        n = data.shape[0]
        seq = (np.arange(n, dtype=np.int64) + self._seq) % 2**32
        self._seq += n
        column = layout.time_column
        if column is not None:
            device_time_us = np.clip(data[:, column].astype(np.int64) * 1000, 0, None)
        else:
            device_time_us = np.zeros(n, dtype=np.int64)
        self._backlog.append(
            RowBlock(
                data=data,
                seq=seq.astype(np.uint32),
                device_time_us=device_time_us.astype(np.uint64),
                host_time_ns=np.array(self._row_times, dtype=np.int64),
            )
        )
        self._rows, self._row_times = [], []

    def _bad(self, reason: str, raw: bytes, now_ns: int) -> None:
        self._flush()
        if len(self._bad_examples) < 3:
            self._bad_examples.append(raw[:40].decode("ascii", errors="replace"))
        shown = raw[:24].decode("ascii", errors="replace").encode("unicode_escape").decode()
        self._backlog.append(EventItem("bad_frame", f"{reason} ({shown!r})", now_ns, reason=reason))

    # -- handshake helpers ------------------------------------------------------------------
    def _set_stream(self) -> None:
        layout = self.layout
        assert layout is not None and layout.channel_names
        config: dict[str, Any] = {
            "channels": list(layout.channel_names),
            "units": self.units,
            "sample_format": "int32" if layout.dtype.kind == "i" else "float64",
            "header_line": layout.header,
        }
        if np.isfinite(self.sample_rate_hz):
            config["sample_rate_hz"] = round(float(self.sample_rate_hz), 3)
            config["sample_rate_measured"] = True
        hello = {
            "device": "md",
            "model": "text line detector",
            "protocol": "text",
            "config": config,
        }
        stream = header_from_hello(hello, layout.dtype)
        assert isinstance(stream, MdHeader)
        self.stream = stream

    @property
    def _has_data(self) -> bool:
        return self.layout is not None and bool(self.layout.channel_names)

    def _silence(self, timeout_s: float) -> HandshakeError:
        got = self.counters.bytes_read
        parameter: str | None = "baud"
        pending = self._lines.pending
        if self._bad_examples or pending:
            example = (self._bad_examples or [pending[:40].decode("ascii", "replace")])[0]
            printable = sum(c.isprintable() and c.isascii() for c in example)
            if printable < len(example) / 2:
                heard = f"it sent {got} bytes that are no readable text"
                hint = "set the detector's baud rate (9600 to 115200)"
            else:
                heard = f"it sent {got} bytes but no line of numbers (e.g. {example!r})"
                hint = "check that the board prints numbers per line, or choose its driver"
                parameter = "driver"
        else:
            heard = "it sent nothing at all"
            hint = "check the cable, that the detector is powered and its baud rate"
        return HandshakeError(
            f"no line of numbers from {self.name} within {timeout_s:g} s ({heard}); {hint}"
            f"{looks_like(self._heard, 'text')}",
            step="first data line",
            parameter=parameter,
        )
