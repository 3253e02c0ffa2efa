"""What the emulators of third-party devices share: a pty, a streaming thread, a cable pull,
a line speed, and a report of every fault injected.

A subclass says what the device sends (:meth:`PtyEmulator._step`, called again and again by
the thread) and how it answers what the host writes (:meth:`PtyEmulator._on_input`). This
class paces nothing itself; it opens the pty, closes it once after ``disconnect_after_s``
(a pulled cable) and opens a new one at the same ``link`` after ``outage_s``, and garbles
everything in both directions while the client's line speed differs from the device's
``baudrate`` (what a UART does at the wrong speed: bytes arrive, none of them right). The
device starts when a client first opens the pty; what it sends while nobody has the port
open is lost.
"""

from __future__ import annotations

import abc
import contextlib
import select
import threading
import time
from pathlib import Path
from typing import Any, Self

from detsig.devices.emulator_pty import PtyEndpoint

_WRITE_DEADLINE_S = 1.0


def garble(data: bytes) -> bytes:
    """What bytes look like when read at the wrong line speed: every byte becomes one with
    the high bit set, so no line end, no ``{`` and no UBX sync byte survives.

    Parameters
    ----------
    data : bytes
        What the device meant to send.

    Returns
    -------
    bytes
        As many bytes, all >= 0x80.

    Examples
    --------
    >>> all(b >= 0x80 for b in garble(b"12,34\\n"))
    True
    """
    return bytes(((b * 7 + 0x35) & 0xFF) | 0x80 for b in data)


class PtyDevice(abc.ABC):
    """What every emulated device shares, the wire-protocol one included: a pty at ``link``
    (reopened there after a pulled cable), a device thread, and a report of counts kept under
    a lock.

    A subclass sets ``kind``, ``link``, ``disconnect_after_s``, ``outage_s`` and ``_report``
    (with a ``"ports"`` list, ``"disconnects"`` and ``"ended_by"``), calls
    ``PtyDevice.__init__`` and runs its device in :meth:`_serve`, calling :meth:`_cable` each
    turn: it closes the pty once ``disconnect_after_s`` after :meth:`_arm_cable` and opens a new
    one ``outage_s`` later (then :meth:`_on_reconnect`).
    """

    kind: str
    link: Any
    disconnect_after_s: float | None
    outage_s: float
    _report: dict[str, Any]

    def __init__(self) -> None:
        self._pty: PtyEndpoint | None = None
        self._stop = threading.Event()
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._disconnect_at: float | None = None
        self._back_at: float | None = None

    @property
    def port(self) -> str | None:
        """Path of the current pty slave (None before start and during an outage)."""
        pty = self._pty
        return None if pty is None or pty.closed else pty.port

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to report entry ``key`` (thread-safe)."""
        with self._lock:
            self._report[key] = self._report.get(key, 0) + n

    def count_at(self, key: str, where_key: str, where: Any) -> None:
        """Add one to report entry ``key`` and note ``where`` (a sequence number, a line
        index) in the list ``where_key`` (thread-safe)."""
        with self._lock:
            self._report[key] += 1
            self._report[where_key].append(where)

    def start(self) -> str:
        """Open the pty and start the device thread.

        Returns
        -------
        str
            The port path clients open.
        """
        self._open_pty()
        self._thread = threading.Thread(target=self._run, name=f"emulate-{self.kind}", daemon=True)
        self._thread.start()
        assert self._pty is not None
        return self._pty.port

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait until the device ended by itself; True if it has.

        Parameters
        ----------
        timeout_s : float, optional
            Longest wait, s; no limit when None.

        Returns
        -------
        bool
            True when the device ended (or stopped) in time.
        """
        return self._finished.wait(timeout_s)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @abc.abstractmethod
    def stop(self, timeout_s: float = 5.0, *, reason: str = "stopped") -> None:
        """Stop the thread and close the pty."""

    # -- for subclasses ---------------------------------------------------------------------
    @abc.abstractmethod
    def _serve(self) -> None:
        """The device: runs in the thread until stopped (or the device ends)."""

    def _on_reconnect(self) -> None:  # noqa: B027 (an optional hook)
        """A new pty just appeared (the device restarted with its cable)."""

    def _set_end(self, reason: str) -> None:
        """Record why the device ended, unless it already had."""
        with self._lock:
            if self._report["ended_by"] is None:
                self._report["ended_by"] = reason

    def _halt(self, timeout_s: float) -> None:
        """Tell the thread to stop and wait for it, at most ``timeout_s`` s."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            self._serve()
        except BaseException as error:  # reported by stop()
            self._error = error
        finally:
            self._finished.set()

    # -- the cable --------------------------------------------------------------------------
    def _arm_cable(self, boot: float) -> None:
        """Schedule the cable pull ``disconnect_after_s`` after monotonic time ``boot``."""
        after = self.disconnect_after_s
        self._disconnect_at = None if after is None else boot + after
        self._back_at = None

    @property
    def in_outage(self) -> bool:
        """True while the cable is pulled (no pty)."""
        return self._back_at is not None

    def _cable(self, now: float) -> None:
        """Pull the cable or plug it back in when due at monotonic time ``now``."""
        if self._disconnect_at is not None and now >= self._disconnect_at:
            self._disconnect_at = None
            self._close_pty()
            self.count("disconnects")
            self._back_at = now + self.outage_s
        if self._back_at is not None and now >= self._back_at:
            self._back_at = None
            self._open_pty()
            self._on_reconnect()

    # -- the pty ----------------------------------------------------------------------------
    def _idle(self, seconds: float) -> None:
        """Wait up to ``seconds`` (less when the host writes)."""
        pty = self._pty
        if pty is None or pty.closed:
            self._stop.wait(max(seconds, 0.0))
            return
        with contextlib.suppress(OSError, ValueError):
            select.select([pty.master], [], [], max(seconds, 0.0))

    def _open_pty(self) -> None:
        self._pty = PtyEndpoint(self.link)
        with self._lock:
            self._report["ports"].append(self._pty.port)

    def _close_pty(self) -> None:
        if self._pty is not None:
            self._pty.close()


class PtyEmulator(PtyDevice):
    """Base of the third-party device emulators.

    Parameters
    ----------
    link : str or Path, optional
        Symlink kept pointing at the current pty.
    baudrate : int
        The device's line speed, bit/s; a client at another speed reads garbage.
    disconnect_after_s : float, optional
        Close the pty this many seconds after the start, once (a pulled cable).
    outage_s : float
        How long the device stays away, s.
    silent : bool
        Send nothing and answer nothing (a dead or unpowered device).
    """

    #: Short device name for reports (``"text"``, ``"ubx"``, ``"acconeer"``).
    kind = "device"

    def __init__(
        self,
        *,
        link: str | Path | None = None,
        baudrate: int = 115200,
        disconnect_after_s: float | None = None,
        outage_s: float = 1.0,
        silent: bool = False,
    ) -> None:
        self.link = link
        self.baudrate = int(baudrate)
        self.disconnect_after_s = disconnect_after_s
        self.outage_s = float(outage_s)
        self.silent = silent
        super().__init__()
        self._attached: PtyEndpoint | None = None
        self._report: dict[str, Any] = {
            "device": self.kind,
            "ports": [],
            "disconnects": 0,
            "garbled_bytes": 0,
            "bytes_sent": 0,
            "outage_lost": 0,
            "overflow": 0,
            "ended_by": None,
        }

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def report(self) -> dict[str, Any]:
        """A copy of the fault and traffic counts."""
        with self._lock:
            return {k: (list(v) if isinstance(v, list) else v) for k, v in self._report.items()}

    def stop(self, timeout_s: float = 5.0, *, reason: str = "stopped") -> None:
        """Stop the thread and close the pty (idempotent).

        Parameters
        ----------
        timeout_s : float
            Longest wait for the thread, s.
        reason : str
            Stored as ``ended_by`` when the device had not ended by itself.
        """
        self._halt(timeout_s)
        self._set_end(reason)
        self._close_pty()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def summary(self) -> str:
        """One line for the terminal: what was sent and which faults were injected."""
        report = self.report
        keys = [k for k, v in report.items() if isinstance(v, int) and v and k != "bytes_sent"]
        faults = ", ".join(f"{report[k]} {k}" for k in keys) or "no faults"
        return f"emulated {self.kind}: {report['bytes_sent']} bytes sent; {faults}"

    # -- for subclasses ---------------------------------------------------------------------
    @abc.abstractmethod
    def _step(self, now: float) -> float:
        """Send what is due at monotonic time ``now``; return seconds until the next step."""

    def _on_input(self, data: bytes) -> None:
        """Handle bytes the host wrote (already garbled at a wrong line speed)."""

    def _on_attach(self) -> None:
        """A client opened the current pty (an Arduino resets and prints its header)."""

    def speed_matches(self) -> bool:
        """True when the client's line speed equals the device's (or cannot be read)."""
        pty = self._pty
        if pty is None or pty.closed:
            return True
        client = pty.client_baudrate()
        return client is None or client == self.baudrate

    def send(self, data: bytes) -> bool:
        """Write bytes to the host as the wire would deliver them; False when they were lost
        (outage, or nobody reads and the pty buffer stays full).

        Parameters
        ----------
        data : bytes
            The bytes the device sends.

        Returns
        -------
        bool
            True when every byte was written.
        """
        pty = self._pty
        if pty is None or pty.closed:
            self.count("outage_lost")
            return False
        if not pty.client_attached:
            self.count("unheard_bytes", len(data))  # nobody has opened the port
            return False
        if not self.speed_matches():
            data = garble(data)
            self.count("garbled_bytes", len(data))
        if not pty.writable(0.5) or not pty.write_all(data, time.monotonic() + _WRITE_DEADLINE_S):
            self.count("overflow")
            return False
        self.count("bytes_sent", len(data))
        return True

    # -- the thread -------------------------------------------------------------------------
    def _serve(self) -> None:
        self._arm_cable(time.monotonic())
        while not self._stop.is_set():
            now = time.monotonic()
            self._cable(now)
            pty = self._pty
            if pty is not None and not pty.closed and pty is not self._attached:
                if not pty.client_attached:
                    if self._attached is None:
                        self._idle(0.02)  # the device starts when first opened
                        continue
                else:
                    self._attached = pty
                    if not self.silent:
                        self._on_attach()
            self._serve_input()
            wait_s = 0.02 if self.silent else self._step(now)
            self._idle(min(max(wait_s, 0.0), 0.02))

    def _serve_input(self) -> None:
        pty = self._pty
        if pty is None or pty.closed:
            return
        data = pty.read()
        if data and not self.silent:
            self._on_input(data if self.speed_matches() else garble(data))
