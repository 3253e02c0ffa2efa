"""Tell a device's protocol from the first bytes it sent.

Used to choose a driver when the user named none, and to say what a device looks like when
the named driver gets no answer ("it looks like a u-blox GNSS receiver: give PATH:ubx").
"""

from __future__ import annotations

import json

from detsig.wire import FrameDecoder

#: How many of a device's first bytes a driver keeps to say what the device looks like.
HEARD_BYTES = 4096
#: What each driver is called in messages.
DEVICE_NAMES = {
    "wire": "a detsig-protocol GPR or metal detector",
    "acconeer": "an Acconeer radar module",
    "text": "a text-line detector",
    "ubx": "a u-blox GNSS receiver speaking UBX",
    "nmea": "an NMEA 0183 GNSS receiver",
}


def heard_more(heard: bytes, data: bytes) -> bytes:
    """The first bytes of a device, kept for :func:`looks_like`: ``heard`` with ``data``
    added while fewer than :data:`HEARD_BYTES` are kept.

    Parameters
    ----------
    heard : bytes
        What was kept so far.
    data : bytes
        What just arrived.

    Returns
    -------
    bytes
        What to keep now.

    Examples
    --------
    >>> heard_more(b"$GP", b"GGA")
    b'$GPGGA'
    """
    return heard + data if len(heard) < HEARD_BYTES else heard


def ubx_checksum_ok(message: bytes) -> bool:
    """Whether a whole UBX message (sync bytes to checksum) carries its Fletcher checksum.

    Parameters
    ----------
    message : bytes
        The message, sync bytes ``B5 62`` first, the two checksum bytes last.

    Returns
    -------
    bool
        True when the checksum matches.
    """
    a = b = 0
    for byte in message[2:-2]:
        a = (a + byte) & 0xFF
        b = (b + a) & 0xFF
    return message[-2] == a and message[-1] == b


def _has_ubx(data: bytes) -> bool:
    start = data.find(b"\xb5\x62")
    while 0 <= start <= len(data) - 8:
        length = int.from_bytes(data[start + 4 : start + 6], "little")
        end = start + 8 + length
        if end <= len(data) and ubx_checksum_ok(data[start:end]):
            return True
        start = data.find(b"\xb5\x62", start + 2)
    return False


def _nmea_ok(line: str) -> bool:
    if not line.startswith(("$", "!")) or "*" not in line:
        return False
    body, _, checksum = line[1:].partition("*")
    value = 0
    for char in body.encode("ascii", errors="replace"):
        value ^= char
    return checksum[:2].upper() == f"{value:02X}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def guess_protocol(data: bytes, among: tuple[str, ...] | None = None) -> str | None:
    """The driver name whose protocol ``data`` shows, or None when it shows none.

    When several show (a u-blox receiver prints NMEA and UBX), the first of ``ubx``,
    ``wire``, ``nmea``, ``acconeer``, ``text`` wins.

    Parameters
    ----------
    data : bytes
        The first bytes a device sent (any amount; more gives a surer answer).
    among : tuple of str, optional
        Only these protocols are considered (default: all).

    Returns
    -------
    str or None
        ``"wire"``, ``"acconeer"``, ``"text"``, ``"ubx"``, ``"nmea"`` or None.

    Examples
    --------
    >>> guess_protocol(b"t_ms,gate1\\r\\n0,512\\r\\n20,514\\r\\n")
    'text'
    >>> guess_protocol(b"") is None
    True
    """
    from detsig.devices.text import split_fields

    allowed = among or tuple(DEVICE_NAMES)
    found: set[str] = set()
    if "ubx" in allowed and _has_ubx(data):
        found.add("ubx")
    if "wire" in allowed and FrameDecoder().feed(data):
        found.add("wire")
    numbers = 0
    for raw in data.split(b"\n")[:-1]:
        try:
            line = raw.strip().decode("ascii")
        except UnicodeDecodeError:
            continue
        if _nmea_ok(line):
            found.add("nmea")
        elif line.startswith("{"):
            try:
                header = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(header, dict):
                found.add("acconeer")
        else:
            fields = split_fields(line)
            if fields and all(_is_number(f) for f in fields):
                numbers += 1
    if numbers >= 2:
        found.add("text")
    for name in ("ubx", "wire", "nmea", "acconeer", "text"):
        if name in found and name in allowed:
            return name
    return None


def looks_like(data: bytes, expected: str) -> str:
    """A clause for an error message: what else the device seems to be, or ``""``.

    Parameters
    ----------
    data : bytes
        What the device sent.
    expected : str
        The driver that was tried.

    Returns
    -------
    str
        E.g. ``"; it looks like a text-line detector: give PATH:text"``, or empty.
    """
    guess = guess_protocol(data)
    if guess is None or guess == expected:
        return ""
    return f"; it looks like {DEVICE_NAMES[guess]}: give PATH:{guess}"
