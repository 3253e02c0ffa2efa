"""Which driver talks to a port: named by the user (``PATH:DRIVER``) or told by the first bytes.

:func:`split_port` reads ``/dev/ttyUSB0:acconeer`` and ``/dev/ttyUSB1:text@9600``;
:func:`detect_driver` listens to a port whose driver was not named (and, when the device
stays quiet, asks it the one question an Acconeer module answers) and :func:`make_driver`
builds the driver.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from detsig.devices.sniff import guess_protocol
from detsig.errors import UsageError
from detsig.links import Link

#: Every driver name, and what it is for.
DRIVERS = {
    "wire": "detsig wire protocol v1 (detsig firmware, 'detsig emulate gpr|md')",
    "acconeer": "Acconeer A121 radar modules (XM125, XE121) with the exploration server",
    "text": "Arduino / DIY detectors printing lines of numbers",
    "ubx": "u-blox GNSS receivers, UBX NAV-PVT / NAV-HPPOSLLH",
    "nmea": "GNSS receivers, NMEA 0183 GGA / RMC",
}
#: Drivers whose device is a GNSS receiver (recorded as the position stream).
GNSS_DRIVERS = ("ubx", "nmea")
#: How long a port is listened to before the driver is guessed, s.
LISTEN_S = 0.6
#: How long an Acconeer probe waits for its answer, s.
PROBE_S = 0.5


@dataclass(frozen=True)
class DriverOptions:
    """Settings some drivers take.

    Parameters
    ----------
    text_channels : list of str, optional
        Channel names for a text detector that prints no header line.
    text_units : str
        Unit of a text detector's numbers.
    acconeer : dict
        Sensor settings for an Acconeer module (see
        :data:`detsig.devices.acconeer.DEFAULT_SENSOR_CONFIG`).
    """

    text_channels: list[str] | None = None
    text_units: str = "adc_counts"
    acconeer: dict[str, Any] = field(default_factory=dict)


def check_driver_name(name: str) -> str:
    """Return ``name`` if it is a driver, else raise a usage error listing them.

    Parameters
    ----------
    name : str
        A driver name.

    Returns
    -------
    str
        The same name.

    Raises
    ------
    UsageError
        Not a driver name.
    """
    if name not in DRIVERS:
        raise UsageError(
            f"there is no driver '{name}'; choose one of {', '.join(DRIVERS)} "
            "(as the default driver, or after a port as PATH:NAME)",
            parameter=("driver", "port"),
        )
    return name


def split_port(spec: str) -> tuple[str, str | None, int | None]:
    """Split ``PATH[:DRIVER][@BAUD]`` into the port, the driver name and the line speed
    (None when not given).

    A ``:`` suffix that is no driver name is part of the path (``socket://host:5000``).

    Parameters
    ----------
    spec : str
        What the user typed after ``--port`` or ``--gnss``.

    Returns
    -------
    tuple of (str, str or None, int or None)
        Port path or URL, driver name, line speed in bit/s.

    Raises
    ------
    UsageError
        ``@`` is followed by something that is no line speed.

    Examples
    --------
    >>> split_port("/dev/ttyACM0:text@9600"), split_port("socket://localhost:5000")
    (('/dev/ttyACM0', 'text', 9600), ('socket://localhost:5000', None, None))
    """
    baud: int | None = None
    head, at, tail = spec.rpartition("@")
    if at and head and "/" not in tail:
        if not tail.isdigit() or int(tail) <= 0:
            raise UsageError(f"{spec!r}: after '@' give the line speed in bit/s, e.g. {head}@9600")
        spec, baud = head, int(tail)
    path, sep, suffix = spec.rpartition(":")
    if sep and path and suffix in DRIVERS:
        return path, suffix, baud
    return spec, None, baud


def detect_driver(
    link: Link, timeout_s: float = LISTEN_S, among: tuple[str, ...] | None = None
) -> tuple[str | None, bytes]:
    """Listen to a port and tell its protocol; ask an Acconeer question if it stays quiet.

    Parameters
    ----------
    link : Link
        The open port.
    timeout_s : float
        Longest time to listen, s.
    among : tuple of str, optional
        Only these drivers are considered (``GNSS_DRIVERS`` for a ``--gnss`` port, which is
        then never probed).

    Returns
    -------
    tuple of (str or None, bytes)
        The driver name (None: cannot tell) and every byte read, which the caller must hand
        to the driver (:class:`~detsig.links.PrefixedLink`).
    """
    heard = bytearray()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        heard += link.read()
        guess = guess_protocol(bytes(heard), among)
        if guess is not None:
            return guess, bytes(heard)
    if heard or (among is not None and "acconeer" not in among):
        return None, bytes(heard)
    from detsig.devices.acconeer_protocol import command

    link.write(command("get_system_info"))
    deadline = time.monotonic() + PROBE_S
    while time.monotonic() < deadline:
        heard += link.read()
        if guess_protocol(bytes(heard)) == "acconeer":
            return "acconeer", bytes(heard)
    # No answer: end the probe as a bad frame for a wire-protocol device's decoder, so that
    # the HELLO request that follows is decoded cleanly.
    link.write(b"\x00")
    return None, bytes(heard)


def make_driver(name: str, link: Link, port: str, options: DriverOptions | None = None) -> Any:
    """Build the driver ``name`` on an open link.

    Parameters
    ----------
    name : str
        A key of :data:`DRIVERS`.
    link : Link
        The open port.
    port : str
        Port path used in messages.
    options : DriverOptions, optional
        Driver settings.

    Returns
    -------
    Driver
        Not yet handshaken.
    """
    options = options or DriverOptions()
    check_driver_name(name)
    if name == "wire":
        from detsig.devices.sensor import SensorDriver

        return SensorDriver(link, name=port)
    if name == "text":
        from detsig.devices.text import TextDriver

        return TextDriver(link, port, channel_names=options.text_channels, units=options.text_units)
    if name == "ubx":
        from detsig.devices.ubx import UbxDriver

        return UbxDriver(link, port)
    if name == "nmea":
        from detsig.devices.gnss import GnssDriver

        return GnssDriver(link, port)
    from detsig.devices.acconeer import AcconeerDriver

    return AcconeerDriver(link, port, sensor_config=options.acconeer)
