"""u-blox GNSS receivers speaking UBX: NAV-PVT and NAV-HPPOSLLH parsed with pyubx2.

One :class:`~detsig.devices.gnss.GnssFix` per NAV-PVT epoch; when a NAV-HPPOSLLH of the same
``iTOW`` arrives (before or after it, within :data:`HP_WAIT_S`) its high-precision latitude,
longitude and height replace NAV-PVT's. The fix quality follows the NMEA GGA codes the rest of
detsig uses: ``carrSoln`` 2 (carrier-phase fixed) is 4 "RTK fixed", ``carrSoln`` 1 is 5
"RTK float", ``diffSoln`` is 2 "DGPS", another 2-D/3-D fix is 1, dead reckoning only is 6,
no fix (or ``gnssFixOK`` false) is 0. NAV-PVT gives no HDOP, so ``hdop`` is NaN.

Bytes between messages (NMEA the receiver also prints, line noise) are skipped and counted;
a message with a bad checksum or an impossible length is counted as garbled and never yields
a position.

References
----------
.. [1] u-blox, "u-blox F9 HPG 1.32 Interface Description" (UBX-22008968), UBX-NAV-PVT and
   UBX-NAV-HPPOSLLH.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from detsig.devices.gnss import FixParser, GnssDriver, GnssFix
from detsig.devices.sniff import looks_like, ubx_checksum_ok
from detsig.errors import HandshakeError

#: Longest payload accepted, bytes (NAV-SAT with 100+ satellites stays below it).
MAX_PAYLOAD_BYTES = 4096
#: How long a NAV-PVT waits for the NAV-HPPOSLLH of its epoch, s.
HP_WAIT_S = 0.3
_SYNC = b"\xb5\x62"


def fix_quality(fix_type: int, fix_ok: bool, diff: bool, carrier: int) -> int:
    """The NMEA GGA fix quality of a NAV-PVT solution.

    Parameters
    ----------
    fix_type : int
        NAV-PVT ``fixType`` (0 none, 1 dead reckoning, 2 2-D, 3 3-D, 4 GNSS + DR, 5 time).
    fix_ok : bool
        ``gnssFixOK``.
    diff : bool
        ``diffSoln`` (differential corrections applied).
    carrier : int
        ``carrSoln`` (0 none, 1 float, 2 fixed).

    Returns
    -------
    int
        0 none, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, 6 dead reckoning.

    Examples
    --------
    >>> fix_quality(3, True, True, 2), fix_quality(3, True, False, 0), fix_quality(0, False, 0, 0)
    (4, 1, 0)
    """
    if fix_type == 1:
        return 6
    if not fix_ok or fix_type not in (2, 3, 4):
        return 0
    if carrier == 2:
        return 4
    if carrier == 1:
        return 5
    return 2 if diff else 1


@dataclass
class UbxCounters:
    """What the UBX parser has seen.

    Attributes
    ----------
    messages : int
        Messages with a good checksum.
    checksum_bad : int
        Messages whose checksum does not match.
    length_errors : int
        Sync bytes followed by an impossible length.
    parse_errors : int
        Messages pyubx2 cannot decode.
    other_bytes : int
        Bytes outside UBX messages (NMEA, noise), bytes.
    by_type : Counter
        Sound messages per identity (``"NAV-PVT"``).
    fix_qualities : Counter
        Fixes per fix quality.
    positions : int
        Fixes with a position.
    """

    messages: int = 0
    checksum_bad: int = 0
    length_errors: int = 0
    parse_errors: int = 0
    other_bytes: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    fix_qualities: Counter[int] = field(default_factory=Counter)
    positions: int = 0

    @property
    def garbled(self) -> int:
        """Messages that yielded nothing: checksum, length and parse failures."""
        return self.checksum_bad + self.length_errors + self.parse_errors


class UbxParser(FixParser):
    """Incremental UBX parser: feed bytes, get one :class:`GnssFix` per NAV-PVT epoch.

    Examples
    --------
    >>> from pyubx2 import UBXMessage, GET
    >>> pvt = UBXMessage("NAV", "NAV-PVT", GET, iTOW=1000, fixType=3, gnssFixOk=1,
    ...                  carrSoln=2, numSV=20, lat=52.5, lon=13.4, hMSL=40000)
    >>> parser = UbxParser()
    >>> fixes = parser.feed(pvt.serialize()) + parser.finish()
    >>> [(f.fix_quality, f.lat_deg, f.alt_m) for f in fixes]
    [(4, 52.5, 40.0)]
    """

    wait_s = HP_WAIT_S

    def __init__(self) -> None:
        from pyubx2 import UBXReader

        self._reader = UBXReader
        self._buffer = bytearray()
        self.counters = UbxCounters()
        self._pending: tuple[dict[str, Any], int] | None = None
        self._pending_since = 0.0
        self._hp: tuple[int, float, float, float] | None = None
        self.last_fix: GnssFix | None = None
        self.bad: list[str] = []

    def drain_bad(self) -> list[str]:
        """Reasons of the garbled messages since the last call (one per message).

        Returns
        -------
        list of str
            E.g. ``"checksum (UBX)"``.
        """
        bad, self.bad = self.bad, []
        return bad

    def _parse(self, data: bytes, now_ns: int, out: list[GnssFix]) -> None:
        buffer = self._buffer
        buffer += data
        while True:
            start = buffer.find(_SYNC)
            if start < 0:
                keep = 1 if buffer.endswith(_SYNC[:1]) else 0
                self.counters.other_bytes += len(buffer) - keep
                del buffer[: len(buffer) - keep]
                break
            if start:
                self.counters.other_bytes += start
                del buffer[:start]
            if len(buffer) < 6:
                break
            length = int.from_bytes(buffer[4:6], "little")
            if length > MAX_PAYLOAD_BYTES:
                self.counters.length_errors += 1
                self.bad.append(f"length {length} (UBX)")
                del buffer[:2]
                continue
            if len(buffer) < length + 8:
                break
            raw = bytes(buffer[: length + 8])
            if not self._message(raw, now_ns, out):
                del buffer[:2]  # resynchronise on the next sync pair
                continue
            del buffer[: length + 8]

    def finish(self) -> list[GnssFix]:
        """End of stream: release a waiting NAV-PVT (a cut message is dropped).

        Returns
        -------
        list of GnssFix
            The remaining fix, or empty.
        """
        self._buffer.clear()
        return [self._release()] if self._pending is not None else []

    # -- messages ---------------------------------------------------------------------------
    def _message(self, raw: bytes, now_ns: int, out: list[GnssFix]) -> bool:
        from pyubx2 import UBXParseError

        if not ubx_checksum_ok(raw):
            self.counters.checksum_bad += 1
            self.bad.append(f"checksum (UBX {raw[2]:02X} {raw[3]:02X})")
            return False
        try:
            message = self._reader.parse(raw)
        except (UBXParseError, ValueError, KeyError, TypeError):
            self.counters.parse_errors += 1
            self.bad.append(f"undecodable (UBX {raw[2]:02X} {raw[3]:02X})")
            return True
        identity = str(getattr(message, "identity", "?"))
        self.counters.messages += 1
        self.counters.by_type[identity] += 1
        if identity == "NAV-PVT":
            self._pvt(message, now_ns, out)
        elif identity == "NAV-HPPOSLLH" and not getattr(message, "invalidLlh", 0):
            self._hpposllh(message, out)
        return True

    def _pvt(self, m: Any, now_ns: int, out: list[GnssFix]) -> None:
        if self._pending is not None:
            out.append(self._release())
        quality = fix_quality(
            int(m.fixType), bool(m.gnssFixOk), bool(getattr(m, "diffSoln", 0)), int(m.carrSoln)
        )
        utc = math.nan
        if m.validDate and m.validTime:
            try:
                stamp = _dt.datetime(
                    m.year, m.month, m.day, m.hour, m.min, m.second, tzinfo=_dt.UTC
                ).timestamp()
            except ValueError:
                stamp = math.nan
            utc = stamp + m.nano * 1e-9
        has_position = quality > 0 and not getattr(m, "invalidLlh", 0)
        fields = {
            "host_time_ns": now_ns,
            "utc_time_s": utc,
            "lat_deg": float(m.lat) if has_position else math.nan,
            "lon_deg": float(m.lon) if has_position else math.nan,
            "alt_m": float(m.hMSL) / 1000.0 if has_position else math.nan,
            "fix_quality": quality,
            "n_satellites": int(m.numSV),
            "hdop": math.nan,
        }
        self._pending = (fields, int(m.iTOW))
        self._pending_since = time.monotonic()
        if self._hp is not None and self._hp[0] == self._pending[1]:
            out.append(self._release())

    def _hpposllh(self, m: Any, out: list[GnssFix]) -> None:
        itow = int(m.iTOW)
        self._hp = (itow, float(m.lat), float(m.lon), float(m.hMSL) / 1000.0)
        if self._pending is not None and self._pending[1] == itow:
            out.append(self._release())

    def _release(self) -> GnssFix:
        assert self._pending is not None
        fields, itow = self._pending
        self._pending = None
        hp = self._hp
        if hp is not None and hp[0] == itow and not math.isnan(fields["lat_deg"]):
            fields = {**fields, "lat_deg": hp[1], "lon_deg": hp[2], "alt_m": hp[3]}
        return self._new_fix(fields)


class UbxDriver(GnssDriver):
    """A u-blox receiver streaming UBX NAV-PVT (and NAV-HPPOSLLH) on its own port.

    Parameters
    ----------
    link : Link
        The open port (38400 baud is the u-blox F9 default; 9600 on older modules).
    name : str, optional
        Name used in messages (default: the port path).
    """

    driver_name = "ubx"
    protocol = "u-blox UBX"

    def _new_parser(self) -> Any:
        return UbxParser()

    def handshake(self, timeout_s: float = 3.0) -> None:
        """Wait for the first NAV-PVT (fixes read meanwhile are kept).

        Parameters
        ----------
        timeout_s : float
            Longest wait, s.

        Raises
        ------
        HandshakeError
            No NAV-PVT within ``timeout_s`` (``step`` ``"NAV-PVT"``).
        LinkLost
            The port died while waiting.
        """
        counters = self.parser.counters

        def silence() -> HandshakeError:
            parameter: str | None = "gnss_baud"
            if counters.messages:
                heard = f"{counters.messages} UBX messages but no NAV-PVT"
                parameter = None
                hint = "enable UBX-NAV-PVT output on the receiver (u-center or ubxtool)"
            elif counters.garbled:
                heard = f"{counters.garbled} garbled UBX messages"
                hint = "check the baud rate"
            elif counters.other_bytes:
                heard = f"{counters.other_bytes} bytes but no UBX message"
                hint = "check the baud rate and that UBX output is enabled"
            else:
                heard = "nothing at all"
                hint = "check the cable, that it is powered and its baud rate"
            return HandshakeError(
                f"no UBX NAV-PVT from the GNSS receiver on {self.name} within "
                f"{timeout_s:g} s ({heard}); {hint}{looks_like(self._heard, 'ubx')}",
                step="NAV-PVT",
                parameter=parameter,
            )

        self._listen_until(lambda: counters.by_type["NAV-PVT"] > 0, timeout_s, silence)
