"""GNSS receiver driver: NMEA 0183 (GGA, RMC, VTG, ZDA) parsed with pynmea2.

One row (:class:`GnssFix`) per GGA sentence, with the date taken from RMC (or ZDA) of the same
epoch, so ``utc_time_s`` is a full UTC time. Garbled input never crashes the parser and never
yields a position: the byte stream is cut into lines, a line that starts with ``$`` or ``!`` is
cut again at every further ``$``/``!`` (receivers that drop a CR/LF run two sentences
together), and each piece must pass pynmea2's checksum test. Lines that are no sentence at all
(comments, JSON, fragments) are counted apart. A GGA whose fix quality is 0 (or empty) gives a
row without a position (NaN latitude/longitude), so fix quality is recorded from a cold start on.

References
----------
.. [1] NMEA 0183 Standard for Interfacing Marine Electronic Devices, version 4.11 (2018):
   GGA field 6 fix quality 0 none, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float.
.. [2] gpsd, ``driver_nmea0183.c``: its handling of run-together sentences and checksum-less
   proprietary sentences is the behaviour matched here (https://gitlab.com/gpsd/gpsd).
"""

from __future__ import annotations

import abc
import datetime as _dt
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detsig.devices.driver import FreeRunning, LineBuffer
from detsig.devices.sensor import EventItem
from detsig.devices.sniff import heard_more, looks_like
from detsig.errors import HandshakeError
from detsig.links import Link
from detsig.model import TRACK_FIELDS, PositionTrack

#: Longest a line may grow without a line end before it is dropped as garbage, bytes.
MAX_LINE_BYTES = 4096
#: A GGA waits at most this long for the RMC/ZDA of its epoch (for the date), s.
DATE_WAIT_S = 0.3
_KNOTS_TO_M_S = 1852.0 / 3600.0
_DAY_S = 86400.0


@dataclass(frozen=True)
class GnssFix:
    """One GGA epoch.

    Parameters
    ----------
    host_time_ns : int
        Host clock when the GGA arrived, ns since the epoch.
    utc_time_s : float
        Receiver UTC time, s since the Unix epoch (NaN without time or date).
    lat_deg, lon_deg : float
        WGS84 position, degrees; NaN when the fix quality is 0 or the fields are empty.
    alt_m : float
        Altitude above mean sea level, m (NaN when absent).
    fix_quality : int
        GGA fix quality (0 none, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float ...).
    n_satellites : int
        Satellites used (0 when empty).
    hdop : float
        Horizontal dilution of precision (NaN when absent).
    """

    host_time_ns: int
    utc_time_s: float
    lat_deg: float
    lon_deg: float
    alt_m: float
    fix_quality: int
    n_satellites: int
    hdop: float

    @property
    def has_position(self) -> bool:
        """True when the fix carries a latitude and longitude."""
        return not (math.isnan(self.lat_deg) or math.isnan(self.lon_deg))


def fixes_to_track(fixes: list[GnssFix]) -> PositionTrack:
    """Pack fixes into a :class:`~detsig.model.PositionTrack` (one row per fix).

    Parameters
    ----------
    fixes : list of GnssFix
        The fixes, in order.

    Returns
    -------
    PositionTrack
        One row per fix with every :data:`TRACK_FIELDS` column.
    """
    columns = {
        name: np.array([getattr(f, name) for f in fixes], dtype=dtype)
        for name, dtype in TRACK_FIELDS.items()
    }
    return PositionTrack(**columns)


@dataclass
class NmeaCounters:
    """What the parser has seen.

    Attributes
    ----------
    sentences : int
        Pieces that start with ``$`` or ``!``.
    checksum_bad : int
        Sentences whose checksum does not match.
    checksum_missing : int
        Sentences without a checksum (cut off, or proprietary sentences that omit it).
    parse_errors : int
        Sentences with a good checksum that pynmea2 cannot parse or whose fields are garbage.
    unknown_types : int
        Sound sentences of a type pynmea2 does not know (counted, otherwise ignored).
    other_lines : int
        Non-empty lines that are no NMEA sentence (comments, JSON, fragments).
    by_type : Counter
        Sound sentences per type (``"GGA"``, ``"RMC"``; proprietary by full address,
        ``"PSTI"``).
    by_talker_type : Counter
        Sound sentences per address (``"GNGGA"``, ``"GPGSV"``, ``"PSTI"``).
    fix_qualities : Counter
        GGA rows per fix quality.
    positions : int
        Rows that carry a position.
    """

    sentences: int = 0
    checksum_bad: int = 0
    checksum_missing: int = 0
    parse_errors: int = 0
    unknown_types: int = 0
    other_lines: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_talker_type: Counter[str] = field(default_factory=Counter)
    fix_qualities: Counter[int] = field(default_factory=Counter)
    positions: int = 0

    @property
    def checksum_errors(self) -> int:
        """Sentences that failed the checksum test (bad or missing)."""
        return self.checksum_bad + self.checksum_missing

    @property
    def garbled(self) -> int:
        """Sentences that yielded nothing: checksum failures plus parse errors."""
        return self.checksum_errors + self.parse_errors


def _float(text: Any) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return math.nan
    return value if math.isfinite(value) else math.nan


def _int(text: Any) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _seconds_of_day(value: Any) -> float:
    if not isinstance(value, _dt.time):
        return math.nan
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond * 1e-6


class FixParser(abc.ABC):
    """What the GNSS parsers share: an epoch waits (``_pending``, since ``_pending_since``) for
    its companion message, at most :attr:`wait_s`; a released epoch becomes one
    :class:`GnssFix`, counted by fix quality and position."""

    #: Longest an epoch waits for its companion message, s.
    wait_s = DATE_WAIT_S
    counters: Any
    last_fix: GnssFix | None
    _pending: tuple[Any, ...] | None
    _pending_since: float

    def feed(self, data: bytes, host_time_ns: int | None = None) -> list[GnssFix]:
        """Parse a chunk of the byte stream (split anywhere).

        Parameters
        ----------
        data : bytes
            The next bytes from the receiver.
        host_time_ns : int, optional
            Arrival time, ns since the epoch (default: now).

        Returns
        -------
        list of GnssFix
            Fixes completed so far (an epoch waits up to :attr:`wait_s` for its companion).
        """
        now_ns = time.time_ns() if host_time_ns is None else host_time_ns
        out: list[GnssFix] = []
        self._parse(data, now_ns, out)
        out.extend(self.poll())
        return out

    @abc.abstractmethod
    def _parse(self, data: bytes, now_ns: int, out: list[GnssFix]) -> None:
        """Parse ``data`` (arrived at ``now_ns``), appending completed fixes to ``out``."""

    def poll(self) -> list[GnssFix]:
        """Release an epoch that has waited :attr:`wait_s` for its companion (call when idle).

        Returns
        -------
        list of GnssFix
            The released fix, or empty.
        """
        if self._pending is not None and time.monotonic() - self._pending_since > self.wait_s:
            return [self._release()]
        return []

    @abc.abstractmethod
    def _release(self) -> GnssFix:
        """The pending epoch as a fix (and no epoch pending any more)."""

    def _new_fix(self, fields: dict[str, Any]) -> GnssFix:
        """The fix of a released epoch, counted and kept as :attr:`last_fix`."""
        fix = GnssFix(**fields)
        self.counters.fix_qualities[fix.fix_quality] += 1
        if fix.has_position:
            self.counters.positions += 1
        self.last_fix = fix
        return fix


class NmeaParser(FixParser):
    """Incremental NMEA 0183 parser: feed bytes, get one :class:`GnssFix` per GGA.

    Examples
    --------
    >>> parser = NmeaParser()
    >>> fixes = parser.feed(
    ...     b"$GPGGA,000343.03,4808.9993,N,01135.0798,E,1,04,01.4,00460.0,M,0046.2,M,,*56\\r\\n"
    ...     b"$GPGGA,garbage*00\\r\\n"
    ... )
    >>> fixes += parser.finish()
    >>> [(f.fix_quality, round(f.lat_deg, 4)) for f in fixes], parser.counters.checksum_bad
    ([(1, 48.15)], 1)
    """

    def __init__(self) -> None:
        import pynmea2

        self._nmea = pynmea2
        self._lines = LineBuffer(MAX_LINE_BYTES)
        self.counters = NmeaCounters()
        self._pending: tuple[dict[str, Any], float] | None = None
        self._pending_since = 0.0
        self._date: _dt.date | None = None
        self._date_tod_s = math.nan
        self.speed_m_s = math.nan
        self.course_deg = math.nan
        self.last_fix: GnssFix | None = None

    # -- bytes to pieces --------------------------------------------------------------------
    def _parse(self, data: bytes, now_ns: int, out: list[GnssFix]) -> None:
        lines, overflow = self._lines.feed(bytes(data).replace(b"\r", b"\n"))
        for line in lines:
            self._line(line, now_ns, out)
        if overflow is not None:
            self.counters.other_lines += 1

    def finish(self) -> list[GnssFix]:
        """End of stream: parse an unterminated last line and release a waiting GGA.

        Returns
        -------
        list of GnssFix
            The remaining fixes (may be empty).
        """
        out: list[GnssFix] = []
        rest = self._lines.take_rest()
        if rest:
            self._line(rest, time.time_ns(), out)
        if self._pending is not None:
            out.append(self._release())
        return out

    def _line(self, raw: bytes, now_ns: int, out: list[GnssFix]) -> None:
        text = raw.replace(b"\x00", b"").decode("ascii", errors="replace").strip()
        if not text:
            return
        if text[0] not in "$!":
            self.counters.other_lines += 1
            return
        starts = [i for i, c in enumerate(text) if c in "$!"]
        for a, b in zip(starts, [*starts[1:], len(text)], strict=True):
            piece = text[a:b].strip()
            if piece:
                self._sentence(piece, now_ns, out)

    # -- sentences --------------------------------------------------------------------------
    def _sentence(self, piece: str, now_ns: int, out: list[GnssFix]) -> None:
        nmea = self._nmea
        self.counters.sentences += 1
        try:
            message = nmea.parse(piece, check=True)
        except nmea.ChecksumError as error:
            if "missing" in str(error):
                self.counters.checksum_missing += 1
            else:
                self.counters.checksum_bad += 1
            return
        except nmea.SentenceTypeError:
            # A sound sentence of a type pynmea2 does not know (e.g. THS): not garbled.
            self.counters.unknown_types += 1
            self._count(piece)
            return
        except Exception:  # pynmea2 raises ParseError, but garbage may raise anything
            self.counters.parse_errors += 1
            return
        kind = str(getattr(message, "sentence_type", "") or "")
        try:
            if kind == "GGA":
                self._gga(message, now_ns, out)
            elif kind == "RMC":
                self._rmc(message, out)
            elif kind == "VTG":
                self.speed_m_s = _float(getattr(message, "spd_over_grnd_kmph", None)) / 3.6
                self.course_deg = _float(getattr(message, "true_track", None))
            elif kind == "ZDA":
                self._zda(message, out)
        except Exception:
            self.counters.parse_errors += 1
            return
        self._count(piece)

    def _count(self, piece: str) -> None:
        address = piece[1:].split(",", 1)[0].split("*", 1)[0]
        kind = address if address.startswith("P") else address[2:]
        self.counters.by_type[kind] += 1
        self.counters.by_talker_type[address] += 1

    def _gga(self, message: Any, now_ns: int, out: list[GnssFix]) -> None:
        data = message.data
        quality = _int(data[5])
        if not 0 <= quality <= 9:
            raise ValueError(f"GGA fix quality {quality} is out of range")
        lat = lon = math.nan
        if quality > 0 and data[1] and data[3]:
            lat, lon = float(message.latitude), float(message.longitude)
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError(f"GGA position {lat}, {lon} is out of range")
        fields = {
            "host_time_ns": now_ns,
            "lat_deg": lat,
            "lon_deg": lon,
            "alt_m": _float(data[8]),
            "fix_quality": quality,
            "n_satellites": _int(data[6]),
            "hdop": _float(data[7]),
        }
        tod = _seconds_of_day(message.timestamp)
        if self._pending is not None:
            out.append(self._release())
        self._pending = (fields, tod)
        self._pending_since = time.monotonic()

    def _set_date(self, date: Any, tod_s: float, out: list[GnssFix]) -> None:
        if not isinstance(date, _dt.date):
            return
        self._date = date
        self._date_tod_s = tod_s
        if self._pending is not None and self._pending[1] == tod_s:
            out.append(self._release())  # the RMC/ZDA of the waiting GGA's epoch

    def _rmc(self, message: Any, out: list[GnssFix]) -> None:
        if getattr(message, "status", "") != "A":
            return  # receivers report garbage dates without a fix (week-rollover artefacts)
        tod = _seconds_of_day(getattr(message, "timestamp", None))
        self._set_date(getattr(message, "datestamp", None), tod, out)

    def _zda(self, message: Any, out: list[GnssFix]) -> None:
        day, month, year = _int(message.day), _int(message.month), _int(message.year)
        if year < 1980:
            return
        tod = _seconds_of_day(getattr(message, "timestamp", None))
        self._set_date(_dt.date(year, month, day), tod, out)

    def _utc(self, tod_s: float) -> float:
        if math.isnan(tod_s) or self._date is None:
            return math.nan
        day = _dt.datetime(
            self._date.year, self._date.month, self._date.day, tzinfo=_dt.UTC
        ).timestamp()
        if not math.isnan(self._date_tod_s):
            if tod_s < self._date_tod_s - _DAY_S / 2:
                day += _DAY_S  # the GGA is past midnight of the date's epoch
            elif tod_s > self._date_tod_s + _DAY_S / 2:
                day -= _DAY_S
        return day + tod_s

    def _release(self) -> GnssFix:
        assert self._pending is not None
        fields, tod = self._pending
        self._pending = None
        return self._new_fix({"utc_time_s": self._utc(tod), **fields})


class GnssDriver(FreeRunning):
    """A GNSS receiver on its own port: read bytes, parse NMEA, return fixes.

    Parameters
    ----------
    link : Link
        An open byte link (:func:`detsig.links.open_link`, 9600-115200 baud typically).
    name : str, optional
        Name used in messages (default: the port path).

    Receivers stream on their own: there is nothing to start, stop or resume.
    """

    driver_name = "nmea"
    #: Stored as the stream's ``protocol``.
    protocol = "NMEA 0183"

    def __init__(self, link: Link, name: str | None = None) -> None:
        self.link = link
        self.name = name or link.url
        self.parser: Any = self._new_parser()
        self._backlog: list[GnssFix] = []
        self._heard = b""

    def _new_parser(self) -> Any:
        return NmeaParser()

    @property
    def counters(self) -> Any:
        """The parser's counters (``garbled`` is what yielded nothing)."""
        return self.parser.counters

    # -- the Driver interface ---------------------------------------------------------------
    @property
    def kind(self) -> str:
        """Always ``"gnss"``."""
        return "gnss"

    @property
    def applied_config(self) -> dict[str, Any]:
        """The receiver description: protocol and the message types heard so far."""
        return {
            "device": "gnss",
            "protocol": self.protocol,
            "port": self.name,
            "messages": sorted(self.counters.by_type),
        }

    def handshake(self, timeout_s: float = 3.0) -> None:
        """Wait for the first sound message (see :meth:`wait_for_nmea`).

        Parameters
        ----------
        timeout_s : float
            Longest wait, s.
        """
        self.wait_for_nmea(timeout_s)

    def drain_backlog(self) -> list[GnssFix]:
        """Fixes kept while waiting for the first message.

        Returns
        -------
        list of GnssFix
            The kept fixes; the backlog is emptied.
        """
        fixes, self._backlog = self._backlog, []
        return fixes

    def replace_link(self, link: Link) -> None:
        """Continue on a reopened port (a half line from before the outage is dropped).

        Parameters
        ----------
        link : Link
            The reopened link.
        """
        self.parser.feed(b"\n")
        self.link = link

    def wait_for_nmea(self, timeout_s: float = 3.0) -> None:
        """Wait until one sound NMEA sentence arrives (fixes read meanwhile are kept).

        Parameters
        ----------
        timeout_s : float
            Longest wait, s.

        Raises
        ------
        DeviceError
            Nothing NMEA-like within ``timeout_s``.
        LinkLost
            The port died while waiting.
        """
        counters = self.parser.counters

        def silence() -> HandshakeError:
            garbled = counters.garbled + counters.other_lines
            heard = (
                f"{garbled} garbled lines but no valid sentence" if garbled else "nothing at all"
            )
            return HandshakeError(
                f"no NMEA sentence from the GNSS receiver on {self.name} within "
                f"{timeout_s:g} s ({heard}); check the cable, that it is powered, "
                f"its baud rate and that NMEA output is enabled"
                f"{looks_like(self._heard, 'nmea')}",
                step="first sentence",
                parameter="gnss_baud",
            )

        self._listen_until(lambda: sum(counters.by_type.values()) > 0, timeout_s, silence)

    def _listen_until(
        self, done: Callable[[], bool], timeout_s: float, silence: Callable[[], HandshakeError]
    ) -> None:
        """Read and parse (fixes are kept) until ``done()``; after ``timeout_s`` s raise
        ``silence()``."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() >= deadline:
                raise silence()
            data = self.link.read()
            self._heard = heard_more(self._heard, data)
            self._backlog.extend(self.parser.feed(data))

    def read(self) -> list[GnssFix]:
        """Read what arrived (waits up to the link's read timeout); return finished fixes.

        Returns
        -------
        list of GnssFix
            Fixes completed by this read, after those kept while waiting for NMEA.

        Raises
        ------
        LinkLost
            The port died.
        """
        data = self.link.read()
        fixes = self.parser.feed(data) if data else self.parser.poll()
        if self._backlog:
            fixes, self._backlog = self._backlog + fixes, []
        return self._with_events(fixes)

    def _with_events(self, fixes: list[Any]) -> list[Any]:
        """Append the parser's bad-message events (parsers that report them: UBX)."""
        take = getattr(self.parser, "drain_bad", None)
        if take is None:
            return fixes
        now_ns = time.time_ns()
        return fixes + [EventItem("bad_frame", reason, now_ns, reason=reason) for reason in take()]

    def finish(self) -> list[GnssFix]:
        """End of stream: release what the parser holds.

        Returns
        -------
        list of GnssFix
            The remaining fixes (may be empty).
        """
        fixes, self._backlog = self._backlog + self.parser.finish(), []
        return self._with_events(fixes)
