"""A link that first returns bytes read earlier (while the device's protocol was sniffed)."""

from __future__ import annotations

from detsig.links.serial_link import Link


class PrefixedLink:
    """Wrap ``link`` so that its next reads start with ``prefix``.

    Parameters
    ----------
    link : Link
        The open port.
    prefix : bytes
        Bytes already taken from it.

    Examples
    --------
    >>> from detsig.links import open_link
    >>> link = PrefixedLink(open_link("loop://", read_timeout_s=0.01), b"seen ")
    >>> link.write(b"new")
    >>> link.read() + link.read()
    b'seen new'
    """

    def __init__(self, link: Link, prefix: bytes) -> None:
        self.inner = link
        self._prefix = bytes(prefix)

    @property
    def url(self) -> str:
        """The wrapped port's path or URL."""
        return self.inner.url

    def read(self) -> bytes:
        """The kept bytes first, then what the port gives (see :meth:`Link.read`)."""
        if self._prefix:
            data, self._prefix = self._prefix, b""
            return data
        return self.inner.read()

    def read_waiting(self) -> bytes:
        """The kept bytes and every byte waiting in the port."""
        data, self._prefix = self._prefix, b""
        return data + self.inner.read_waiting()

    def write(self, data: bytes) -> None:
        """Send ``data`` (see :meth:`Link.write`)."""
        self.inner.write(data)

    def close(self) -> None:
        """Close the port."""
        self.inner.close()
