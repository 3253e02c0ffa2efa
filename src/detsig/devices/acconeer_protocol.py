"""The Acconeer exploration protocol on a byte stream: commands out, messages in.

Host to module: one JSON object per line (``{"cmd":"get_system_info"}\\n``). Module to host:
a JSON header line, then ``payload_size`` bytes of payload when the header says so (a result
frame of complex int16 samples). :class:`MessageDecoder` takes the byte stream in chunks of
any size and returns ``(header, payload)`` pairs; what it cannot read it reports as bad
messages and resynchronises:

- a line that is no JSON object is searched for a later ``{"`` from which the rest of the
  line is one (a header cut mid-stream runs into the next one: the cut one is one bad
  message, the next one is kept);
- a line longer than :data:`MAX_HEADER_BYTES` without a line end is one bad message;
- a ``payload_size`` that is not an integer in 0 ... :data:`MAX_PAYLOAD_BYTES` is one bad
  message (nothing is allocated from it).

References
----------
.. [1] Acconeer, acconeer-python-exploration (``acconeer-exptool`` on PyPI),
   ``src/acconeer/exptool/_core/communication/message_stream.py`` and
   ``a121/_core/communication/exploration_protocol/``: the message layout read here; this
   decoder differs in resynchronising after a broken header instead of failing the session.
"""

from __future__ import annotations

import json
from typing import Any

#: Longest header line accepted, bytes.
MAX_HEADER_BYTES = 64 * 1024
#: Largest payload accepted, bytes (an A121 frame is at most 4095 points x 4 bytes per sweep).
MAX_PAYLOAD_BYTES = 1 << 20
#: Commands a driver sends.
COMMANDS = ("get_system_info", "get_sensor_info", "setup", "start_streaming", "stop_streaming")


def command(cmd: str, **params: Any) -> bytes:
    """One command line, compact JSON as the exploration server expects.

    Parameters
    ----------
    cmd : str
        Command name, e.g. ``"get_system_info"``.
    **params
        Further keys of the command object.

    Returns
    -------
    bytes
        ASCII JSON ending in a newline.

    Examples
    --------
    >>> command("start_streaming")
    b'{"cmd":"start_streaming"}\\n'
    """
    text = json.dumps({"cmd": cmd, **params}, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii") + b"\n"


def encode_message(header: dict[str, Any], payload: bytes = b"") -> bytes:
    """A module-to-host message: header line (with ``payload_size`` when there is a
    payload), then the payload.

    Parameters
    ----------
    header : dict
        The header object.
    payload : bytes
        The payload (may be empty).

    Returns
    -------
    bytes
        The message as sent on the wire.
    """
    if payload:
        header = {**header, "payload_size": len(payload)}
    text = json.dumps(header, separators=(",", ":"))
    return text.encode("ascii") + b"\n" + payload


def _header_from(line: bytes) -> tuple[dict[str, Any] | None, bool]:
    """The header a line holds, and whether junk before it had to be skipped."""
    start = 0
    skipped = False
    while start >= 0:
        try:
            value = json.loads(line[start:])
        except (ValueError, UnicodeDecodeError):
            value = None
        if isinstance(value, dict):
            return value, skipped
        skipped = True
        start = line.find(b'{"', start + 1)
    return None, True


class MessageDecoder:
    """Incremental decoder of module-to-host messages.

    Attributes
    ----------
    messages : int
        Messages decoded.
    bad : list of str
        Reasons of bad messages not yet taken (:meth:`drain_bad`).
    bytes_received : int
        Bytes fed, bytes.

    Examples
    --------
    >>> decoder = MessageDecoder()
    >>> wire = encode_message({"status": "ok"}, b"\\x01\\x00\\x02\\x00")
    >>> decoder.feed(b'{"result_info":[[{"ti' + wire)
    [({'status': 'ok', 'payload_size': 4}, b'\\x01\\x00\\x02\\x00')]
    >>> decoder.drain_bad()
    ['header cut off']
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._header: dict[str, Any] | None = None
        self._payload_size = 0
        self._discarding = False
        self.messages = 0
        self.bad: list[str] = []
        self.bytes_received = 0

    def feed(self, data: bytes) -> list[tuple[dict[str, Any], bytes]]:
        """Decode a chunk of the byte stream.

        Parameters
        ----------
        data : bytes
            The next bytes from the module.

        Returns
        -------
        list of (dict, bytes)
            Complete messages: header and payload.
        """
        self.bytes_received += len(data)
        buffer = self._buffer
        buffer += data
        out: list[tuple[dict[str, Any], bytes]] = []
        while True:
            if self._header is not None:
                if len(buffer) < self._payload_size:
                    break
                payload = bytes(buffer[: self._payload_size])
                del buffer[: self._payload_size]
                out.append((self._header, payload))
                self.messages += 1
                self._header = None
                continue
            end = buffer.find(b"\n")
            if end < 0:
                if len(buffer) > MAX_HEADER_BYTES:
                    if not self._discarding:
                        self.bad.append("header too long")
                    self._discarding = True
                    buffer.clear()
                break
            line = bytes(buffer[:end]).strip(b"\r\x00 ")
            del buffer[: end + 1]
            if self._discarding:
                self._discarding = False
                continue
            if line:
                self._line(line, out)
        return out

    def _line(self, line: bytes, out: list[tuple[dict[str, Any], bytes]]) -> None:
        header, skipped = _header_from(line)
        if skipped:
            self.bad.append("header cut off" if line.startswith(b"{") else "not a header")
        if header is None:
            return
        size = header.get("payload_size", 0)
        if (
            not isinstance(size, int)
            or isinstance(size, bool)
            or not 0 <= size <= MAX_PAYLOAD_BYTES
        ):
            self.bad.append("bad payload_size")
            return
        if size:
            self._header, self._payload_size = header, size
        else:
            out.append((header, b""))
            self.messages += 1

    def drain_bad(self) -> list[str]:
        """Reasons of the bad messages since the last call.

        Returns
        -------
        list of str
            One reason per bad message.
        """
        bad, self.bad = self.bad, []
        return bad

    def reset(self) -> None:
        """Forget a partial message (the link was replaced); a cut one counts as bad."""
        if self._header is not None or (self._buffer and not self._discarding):
            self.bad.append("message cut off by the link")
        self._buffer.clear()
        self._header = None
        self._discarding = False
