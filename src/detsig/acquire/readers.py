"""Reader threads: one per port; each only reads bytes, decodes, and queues what it decoded.

A reader never touches the file. When its port dies (:class:`~detsig.errors.LinkLost`) it
queues a ``disconnect`` event, polls the port path until it is back, reopens it, asks the
device for HELLO again, restarts the stream and queues a ``reconnect`` event with the outage
duration. Frames the device sent while the port was away are missing and show up as a ``gap``
(the decoder's sequence tracking carries over the outage).
"""

from __future__ import annotations

import abc
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from detsig.acquire.queues import ByteBoundedQueue
from detsig.devices import EventItem, GnssDriver
from detsig.devices.driver import Driver
from detsig.errors import DeviceError, LinkLost
from detsig.links import Link, port_present
from detsig.model import RowBlock

#: Seconds between looks at the path of a port that went away.
RECONNECT_POLL_S = 0.1

LinkOpener = Callable[[str], Link]


def _items_bytes(items: list[Any]) -> int:
    return sum(item.nbytes if isinstance(item, RowBlock) else 256 for item in items)


class _ReaderBase(threading.Thread, abc.ABC):
    def __init__(
        self,
        name: str,
        url: str,
        queue: ByteBoundedQueue,
        open_link: LinkOpener,
        stop: threading.Event,
    ) -> None:
        super().__init__(name=f"detsig-reader-{name}", daemon=True)
        self.stream = name
        self.url = url
        self.queue = queue
        self.open_link = open_link
        self.stop_event = stop
        self.connected = True
        self.disconnects = 0
        self.error: BaseException | None = None

    def _put(self, items: list[Any]) -> None:
        if items:
            self.queue.put(self.stream, items, _items_bytes(items))

    def _event(self, kind: str, detail: str) -> None:
        self._put([EventItem(kind, detail, time.time_ns())])

    def _reopen(self, lost: LinkLost) -> bool:
        """Wait for the port to return and reconnect; False if stopped meanwhile."""
        self.connected = False
        self.disconnects += 1
        down_ns = time.time_ns()
        down = time.monotonic()
        self._event("disconnect", f"port {self.url} lost: {lost}")
        last_error = ""
        while not self.stop_event.wait(RECONNECT_POLL_S):
            if not port_present(self.url):
                continue
            try:
                link = self.open_link(self.url)
            except DeviceError as error:
                last_error = str(error)
                continue
            try:
                self._resume(link)
            except (DeviceError, LinkLost) as error:
                link.close()
                last_error = str(error)
                continue
            outage_s = time.monotonic() - down
            self.connected = True
            self._put(
                [
                    EventItem(
                        "reconnect",
                        f"port {self.url} back after {outage_s:.2f} s outage "
                        f"(down since host time {down_ns} ns)",
                        time.time_ns(),
                    )
                ]
            )
            return True
        if last_error:
            self._event("status", f"gave up reconnecting {self.url} at stop: {last_error}")
        return False

    @abc.abstractmethod
    def _resume(self, link: Link) -> None:
        """Bring the device on a reopened ``link`` back to streaming (HELLO, start ...)."""


class SensorReader(_ReaderBase):
    """Reads one sensor (any sensor driver); queues lists of :data:`~detsig.devices.SensorItem`.

    Parameters
    ----------
    name : str
        Stream name (``"gpr0"``).
    driver : Driver
        A sensor driver that completed its handshake (and was started).
    queue : ByteBoundedQueue
        Where decoded items go.
    open_link : callable
        ``open_link(url) -> Link`` used to reopen the port after a disconnect.
    stop : threading.Event
        Set to end the thread (the device is then told to stop).
    hello_timeout_s : float
        HELLO wait after a reconnect.
    """

    def __init__(
        self,
        name: str,
        driver: Driver,
        queue: ByteBoundedQueue,
        open_link: LinkOpener,
        stop: threading.Event,
        hello_timeout_s: float = 3.0,
    ) -> None:
        super().__init__(name, driver.link.url, queue, open_link, stop)
        self.driver = driver
        self.hello_timeout_s = hello_timeout_s

    def _resume(self, link: Link) -> None:
        self.driver.replace_link(link)
        self.driver.resume(self.hello_timeout_s)

    def run(self) -> None:
        driver = self.driver
        try:
            self._put(driver.drain_backlog())
            while not self.stop_event.is_set():
                try:
                    self._put(driver.read())
                except LinkLost as lost:
                    self._put(driver.finish())
                    driver.link.close()
                    if not self._reopen(lost):
                        return
            # A device that does not confirm 'stop' is no reason to lose data.
            with contextlib.suppress(DeviceError, LinkLost):
                driver.stop(timeout_s=0.5)
            self._put(driver.finish())
        except BaseException as error:  # reported by the session
            self.error = error
        finally:
            driver.link.close()


class GnssReader(_ReaderBase):
    """Reads a GNSS receiver; queues lists of :class:`~detsig.devices.GnssFix` (and the
    ``bad_frame`` events of receivers whose parser reports them).

    Parameters
    ----------
    name : str
        Stream name the fixes are queued under (e.g. ``"gnss0"``).
    driver : GnssDriver
        The receiver's driver, already connected.
    queue : ByteBoundedQueue
        Where the lists of fixes go.
    open_link : callable
        ``open_link(url) -> Link``, used to reconnect after the link is lost.
    stop : threading.Event
        Set to end the thread.
    """

    def __init__(
        self,
        name: str,
        driver: GnssDriver,
        queue: ByteBoundedQueue,
        open_link: LinkOpener,
        stop: threading.Event,
    ) -> None:
        super().__init__(name, driver.link.url, queue, open_link, stop)
        self.driver = driver

    def _resume(self, link: Link) -> None:
        self.driver.replace_link(link)

    def _put_fixes(self, fixes: list[Any]) -> None:
        if fixes:
            self.queue.put(self.stream, fixes, 64 * len(fixes))

    def run(self) -> None:
        driver = self.driver
        try:
            while not self.stop_event.is_set():
                try:
                    self._put_fixes(driver.read())
                except LinkLost as lost:
                    self._put_fixes(driver.finish())
                    driver.link.close()
                    if not self._reopen(lost):
                        return
            self._put_fixes(driver.finish())
        except BaseException as error:
            self.error = error
        finally:
            driver.link.close()
