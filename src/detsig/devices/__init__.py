"""Device drivers and device emulators.

Every driver implements :class:`Driver` (one per port; see :mod:`detsig.devices.registry` for
how one is chosen): the detsig wire protocol v1 (:class:`SensorDriver`, GPR and MD), Acconeer
A121 radar modules (:class:`AcconeerDriver`), text-line detectors (:class:`TextDriver`), and
GNSS receivers speaking NMEA 0183 (:class:`GnssDriver`) or u-blox UBX (:class:`UbxDriver`).

Drivers read and write through a :class:`detsig.links.Link`; they never write files.
"""

from detsig.devices.acconeer import AcconeerDriver
from detsig.devices.driver import SENSOR_KINDS, Driver, SensorCounters
from detsig.devices.gnss import GnssDriver, GnssFix, NmeaCounters, NmeaParser, fixes_to_track
from detsig.devices.header import header_from_hello
from detsig.devices.registry import DRIVERS, DriverOptions, detect_driver, make_driver, split_port
from detsig.devices.sensor import (
    EventItem,
    MessageItem,
    RowBlock,
    SensorDriver,
    SensorItem,
)
from detsig.devices.text import TextDriver
from detsig.devices.ubx import UbxDriver, UbxParser

__all__ = [
    "DRIVERS",
    "SENSOR_KINDS",
    "AcconeerDriver",
    "Driver",
    "DriverOptions",
    "EventItem",
    "GnssDriver",
    "GnssFix",
    "MessageItem",
    "NmeaCounters",
    "NmeaParser",
    "RowBlock",
    "SensorCounters",
    "SensorDriver",
    "SensorItem",
    "TextDriver",
    "UbxDriver",
    "UbxParser",
    "detect_driver",
    "fixes_to_track",
    "header_from_hello",
    "make_driver",
    "split_port",
]
