"""Device drivers (GPR/MD over wire protocol v1, GNSS over NMEA 0183) and device emulators.

Drivers read and write through a :class:`detsig.links.Link`; they never write files.
"""

from detsig.devices.gnss import GnssDriver, GnssFix, NmeaCounters, NmeaParser, fixes_to_track
from detsig.devices.sensor import (
    EventItem,
    MessageItem,
    RowBlock,
    SensorDriver,
    SensorItem,
    StreamConfig,
    config_from_hello,
)

__all__ = [
    "EventItem",
    "GnssDriver",
    "GnssFix",
    "MessageItem",
    "NmeaCounters",
    "NmeaParser",
    "RowBlock",
    "SensorDriver",
    "SensorItem",
    "StreamConfig",
    "config_from_hello",
    "fixes_to_track",
]
