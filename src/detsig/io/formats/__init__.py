"""Vendor and foreign GPR formats as plugins found by content (entry-point group
``detsig.formats``): GSSI DZT, pulseEKKO DT1, MALA RD3/RD7, SEG-Y, gprMax, detsig HDF5.

>>> from detsig.io.formats import read_any, detect_format  # doctest: +SKIP
>>> scans = read_any("FILE____032.DZT")                     # doctest: +SKIP
"""

from detsig.io.formats.convert import convert_file
from detsig.io.formats.describe import describe_scans
from detsig.io.formats.registry import (
    ENTRY_POINT_GROUP,
    FormatPlugin,
    available_formats,
    broken_plugins,
    detect_format,
    get_format,
    read_any,
    register,
    reload_plugins,
    write_scans,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "FormatPlugin",
    "available_formats",
    "broken_plugins",
    "convert_file",
    "describe_scans",
    "detect_format",
    "get_format",
    "read_any",
    "register",
    "reload_plugins",
    "write_scans",
]
