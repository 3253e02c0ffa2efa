"""A u-blox receiver on a pty: a UBX capture (made with pyubx2's generator) replayed in time.

:func:`make_ubx_capture` writes what an RTK rover walking a lane sends: per epoch a NAV-PVT
and a NAV-HPPOSLLH, the solution going from a 3-D fix over RTK float to RTK fixed.
:class:`UbxReplay` sends one epoch per ``1 / rate_hz`` seconds (grouping the capture's
messages into epochs at each NAV-PVT), optionally spoiling the checksum of every
``corrupt_every``-th message, and counts everything in its report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from detsig.devices.emulator_base import PtyEmulator

#: Start of the emulated lane (WGS84, degrees): a field near Kyiv.
LANE_START_DEG = (50.4501234, 30.5234567)
_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class UbxEpoch:
    """What one epoch of a capture says (the values the messages were generated from).

    Parameters
    ----------
    itow_ms : int
        GPS time of week, ms.
    utc_time_s : float
        UTC, s since the Unix epoch.
    lat_deg, lon_deg : float
        High-precision position (NAV-HPPOSLLH), degrees.
    alt_m : float
        Height above mean sea level, m.
    fix_quality : int
        NMEA fix quality the solution corresponds to (1, 5 or 4).
    n_satellites : int
        Satellites used.
    """

    itow_ms: int
    utc_time_s: float
    lat_deg: float
    lon_deg: float
    alt_m: float
    fix_quality: int
    n_satellites: int


def make_ubx_capture(
    n_epochs: int = 50, rate_hz: float = 5.0, speed_m_s: float = 0.5
) -> tuple[bytes, list[UbxEpoch]]:
    """Generate a UBX capture of a rover walking north-east along a lane.

    Parameters
    ----------
    n_epochs : int
        Epochs (NAV-PVT + NAV-HPPOSLLH each).
    rate_hz : float
        Navigation rate, Hz.
    speed_m_s : float
        Walking speed, m/s.

    Returns
    -------
    bytes
        The capture, as a receiver sends it.
    list of UbxEpoch
        What each epoch encodes.

    Examples
    --------
    >>> data, epochs = make_ubx_capture(3)
    >>> data[:2], len(epochs), epochs[-1].fix_quality
    (b'\\xb5b', 3, 1)
    """
    import datetime as _dt

    from pyubx2 import GET, UBXMessage

    start = _dt.datetime(2026, 12, 3, 9, 0, 0, tzinfo=_dt.UTC)
    itow0 = 4 * 86400_000 + 9 * 3600_000  # Thursday 09:00 GPS time of week, ms (leap s aside)
    out = bytearray()
    epochs: list[UbxEpoch] = []
    for k in range(n_epochs):
        step_ms = round(k * 1000 / rate_hz)
        when = start + _dt.timedelta(milliseconds=step_ms)
        north = east = speed_m_s * (k / rate_hz) / math.sqrt(2.0)
        lat = LANE_START_DEG[0] + north / _M_PER_DEG_LAT
        lon = LANE_START_DEG[1] + east / (_M_PER_DEG_LAT * math.cos(math.radians(lat)))
        lat7, lon7 = round(lat * 1e7), round(lon * 1e7)
        lat_hp, lon_hp = round((lat - lat7 * 1e-7) * 1e9), round((lon - lon7 * 1e-7) * 1e9)
        carrier = 0 if k < n_epochs // 5 else (1 if k < n_epochs // 2 else 2)
        quality = {0: 1, 1: 5, 2: 4}[carrier]
        hmsl_mm = 152_300 + (k % 7)
        satellites = 18 + k % 5
        common = {"iTOW": itow0 + step_ms}
        pvt = UBXMessage(
            "NAV",
            "NAV-PVT",
            GET,
            **common,
            year=when.year,
            month=when.month,
            day=when.day,
            hour=when.hour,
            min=when.minute,
            second=when.second,
            nano=(when.microsecond * 1000),
            validDate=1,
            validTime=1,
            fullyResolved=1,
            fixType=3,
            gnssFixOk=1,
            diffSoln=1 if carrier else 0,
            carrSoln=carrier,
            numSV=satellites,
            lat=_scaled(lat7, 1e-7),
            lon=_scaled(lon7, 1e-7),
            height=hmsl_mm + 30_000,
            hMSL=hmsl_mm,
            hAcc=14 if carrier == 2 else 300,
            pDOP=1.2,
        )
        hp = UBXMessage(
            "NAV",
            "NAV-HPPOSLLH",
            GET,
            **common,
            lat=_scaled(lat7, 1e-7),
            lon=_scaled(lon7, 1e-7),
            _HPlat=_scaled(lat_hp, 1e-9),
            _HPlon=_scaled(lon_hp, 1e-9),
            height=hmsl_mm + 30_000,
            hMSL=hmsl_mm,
            hAcc=14.0 if carrier == 2 else 300.0,
        )
        out += pvt.serialize() + hp.serialize()
        epochs.append(
            UbxEpoch(
                itow_ms=itow0 + step_ms,
                utc_time_s=when.timestamp(),
                lat_deg=lat7 * 1e-7 + lat_hp * 1e-9,
                lon_deg=lon7 * 1e-7 + lon_hp * 1e-9,
                alt_m=hmsl_mm / 1000.0,
                fix_quality=quality,
                n_satellites=satellites,
            )
        )
    return bytes(out), epochs


def _scaled(count: int, scale: float) -> float:
    """A value pyubx2 encodes back to exactly ``count`` (it truncates value / scale)."""
    return (count + math.copysign(0.25, count)) * scale


def split_ubx(data: bytes) -> list[bytes]:
    """Cut a capture into whole UBX messages (bytes outside messages are dropped).

    Parameters
    ----------
    data : bytes
        A UBX capture.

    Returns
    -------
    list of bytes
        The messages, sync bytes and checksum included.
    """
    messages: list[bytes] = []
    start = data.find(b"\xb5\x62")
    while 0 <= start <= len(data) - 8:
        end = start + 8 + int.from_bytes(data[start + 4 : start + 6], "little")
        if end > len(data):
            break
        messages.append(data[start:end])
        start = data.find(b"\xb5\x62", end)
    return messages


class UbxReplay(PtyEmulator):
    """Replay a UBX capture on a pty at the receiver's navigation rate.

    Parameters
    ----------
    capture : bytes, optional
        The capture (default: :func:`make_ubx_capture` with ``n_epochs`` and ``rate_hz``).
    rate_hz : float
        Epochs per second.
    n_epochs : int
        Epochs of the generated capture.
    loop : bool
        Start over at the end (default: stop sending after the last epoch).
    corrupt_every : int, optional
        Spoil the checksum of every n-th message sent (n >= 2).
    **kwargs
        ``link``, ``baudrate`` (default 38400), ``disconnect_after_s``, ``outage_s``,
        ``silent`` (see :class:`~detsig.devices.emulator_base.PtyEmulator`).
    """

    kind = "ubx"

    def __init__(
        self,
        capture: bytes | None = None,
        *,
        rate_hz: float = 5.0,
        n_epochs: int = 50,
        loop: bool = False,
        corrupt_every: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("baudrate", 38400)
        super().__init__(**kwargs)
        if corrupt_every is not None and corrupt_every < 2:
            raise ValueError(f"corrupt_every must be >= 2, got {corrupt_every}")
        self.epochs_meta: list[UbxEpoch] = []
        if capture is None:
            capture, self.epochs_meta = make_ubx_capture(n_epochs, rate_hz)
        self.capture = capture
        self.rate_hz = float(rate_hz)
        self.loop = loop
        self.corrupt_every = corrupt_every
        self.epochs: list[list[bytes]] = []
        for message in split_ubx(capture):
            if message[2:4] == b"\x01\x07" or not self.epochs:  # NAV-PVT opens an epoch
                self.epochs.append([])
            self.epochs[-1].append(message)
        self._next = 0
        self._sent_messages = 0
        self._t0: float | None = None
        self._report.update(
            {"epochs_sent": 0, "messages": 0, "corrupted": 0, "corrupted_epochs": [], "passes": 0}
        )

    def _step(self, now: float) -> float:
        if self._t0 is None:
            self._t0 = now
        if not self.epochs:
            return 0.02
        due = int((now - self._t0) * self.rate_hz) + 1
        while self._next < due:
            index = self._next % len(self.epochs)
            if self._next and index == 0:
                if not self.loop:
                    self._finished.set()
                    return 0.02
                self.count("passes")
            self._next += 1
            self._send_epoch(index)
        return self._next / self.rate_hz - (now - self._t0)

    def _send_epoch(self, index: int) -> None:
        data = bytearray()
        spoiled = 0
        for message in self.epochs[index]:
            self._sent_messages += 1
            if self.corrupt_every and self._sent_messages % self.corrupt_every == 0:
                message = message[:-1] + bytes([message[-1] ^ 0x5A])
                spoiled += 1
            data += message
        if self.send(bytes(data)):
            with self._lock:
                self._report["epochs_sent"] += 1
                self._report["messages"] += len(self.epochs[index])
                self._report["corrupted"] += spoiled
                if spoiled:
                    self._report["corrupted_epochs"].append(index)
