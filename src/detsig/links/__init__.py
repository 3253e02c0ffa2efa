"""Byte transports behind one interface (:class:`Link`), on pyserial's ``serial_for_url``.

Real ports (``/dev/ttyUSB0``), pseudo-terminals (emulated devices), ``socket://host:port``,
``loop://`` and ``spy://`` all open with :func:`open_link`. Opening failures become
:class:`detsig.errors.DeviceError` sentences (missing port with the list of present ones,
permission denied with the ``dialout`` fix, busy port with its holder); a port that dies
while open raises :class:`detsig.errors.LinkLost`. DTR/RTS are never required (they fail on ptys).
"""

from detsig.links.port_errors import (
    available_ports,
    holders_of,
    lock_holders_of,
    map_open_error,
    not_a_port_error,
    port_busy_error,
    port_missing_error,
    port_permission_error,
)
from detsig.links.prefixed import PrefixedLink
from detsig.links.serial_link import Link, SerialLink, is_url, open_link, port_present

__all__ = [
    "Link",
    "PrefixedLink",
    "SerialLink",
    "available_ports",
    "holders_of",
    "is_url",
    "lock_holders_of",
    "map_open_error",
    "not_a_port_error",
    "open_link",
    "port_busy_error",
    "port_missing_error",
    "port_permission_error",
    "port_present",
]
