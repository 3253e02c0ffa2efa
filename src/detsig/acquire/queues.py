"""A queue bounded in bytes, for the hand-over from reader threads to the recorder.

Readers put whole batches (everything one read decoded); the recorder takes every batch
waiting at once. When the queue holds ``max_bytes`` the reader waits (back-pressure onto the
serial port) instead of growing memory without bound; see the back-pressure policy in
:mod:`detsig.acquire`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any


class ByteBoundedQueue:
    """FIFO of ``(key, payload, n_bytes)`` entries holding at most ``max_bytes``.

    Parameters
    ----------
    max_bytes : int
        Bytes the queue may hold; one entry larger than that is still accepted when the queue
        is empty (so nothing can deadlock).

    Examples
    --------
    >>> q = ByteBoundedQueue(100)
    >>> q.put("gpr0", [1, 2], 10)
    True
    >>> q.get_all(timeout_s=0.0)
    [('gpr0', [1, 2])]
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = int(max_bytes)
        self._entries: deque[tuple[str, Any, int]] = deque()
        self._bytes = 0
        self._cond = threading.Condition()
        self.peak_bytes = 0
        self.waits = 0
        self.wait_s = 0.0

    @property
    def n_bytes(self) -> int:
        """Bytes held now."""
        return self._bytes

    def put(self, key: str, payload: Any, n_bytes: int, timeout_s: float | None = None) -> bool:
        """Append an entry, waiting while the queue is full.

        Parameters
        ----------
        key : str
            Usually the stream name.
        payload : object
            What to hand over.
        n_bytes : int
            Its size for the bound.
        timeout_s : float, optional
            Longest wait for room; None waits as long as it takes.

        Returns
        -------
        bool
            False when ``timeout_s`` passed without room (the entry was not added).
        """
        with self._cond:
            if self._bytes and self._bytes + n_bytes > self.max_bytes:
                self.waits += 1
                start = time.monotonic()
                ok = self._cond.wait_for(
                    lambda: not self._bytes or self._bytes + n_bytes <= self.max_bytes, timeout_s
                )
                self.wait_s += time.monotonic() - start
                if not ok:
                    return False
            self._entries.append((key, payload, n_bytes))
            self._bytes += n_bytes
            self.peak_bytes = max(self.peak_bytes, self._bytes)
            self._cond.notify_all()
            return True

    def get_all(self, timeout_s: float) -> list[tuple[str, Any]]:
        """Take every entry waiting (waits up to ``timeout_s`` for the first one).

        Parameters
        ----------
        timeout_s : float
            Longest wait for an entry when the queue is empty, s.

        Returns
        -------
        list of tuple of (str, object)
            ``(key, payload)`` pairs in the order they were put; empty after a timeout.
        """
        with self._cond:
            if not self._entries:
                self._cond.wait(timeout_s)
            out = [(key, payload) for key, payload, _ in self._entries]
            self._entries.clear()
            self._bytes = 0
            self._cond.notify_all()
            return out

    def __len__(self) -> int:
        return len(self._entries)
