"""Live processing: the :class:`LiveProcessor` protocol and the thread that runs one.

The recorder hands each block of recorded rows to :meth:`ProcessingRunner.offer`, which never
blocks: when the processor's queue is full the block is dropped for processing only (it is
already in the file), the drop is counted and a ``processing_behind`` event is recorded once
per episode (and ``processing_caught_up`` when the queue has room again). Candidates the
processor returns are collected and written to ``/candidates`` by the recorder.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from detsig.model import Candidate, RowBlock, StreamHeader


@runtime_checkable
class LiveProcessor(Protocol):
    """A streaming processor/detector run by the live session in its own thread.

    The three methods are called from one thread, in order: ``on_start`` once, ``on_rows`` for
    every block (in stream order per stream, blocks may be dropped when processing falls
    behind), ``on_stop`` once at the end.
    """

    def on_start(self, streams: Mapping[str, StreamHeader]) -> None:
        """The streams of the session (by name), before any rows.

        Parameters
        ----------
        streams : mapping of str to StreamHeader
            Stream name -> its kind and sampling description.
        """
        ...

    def on_rows(self, stream: str, block: RowBlock) -> Sequence[Candidate]:
        """Process one block of a stream; return the candidates it completes.

        Parameters
        ----------
        stream : str
            The stream's name.
        block : RowBlock
            Its next rows as written to the file, ``data`` of shape (n_rows, width).

        Returns
        -------
        sequence of Candidate
            Candidates that are final now (may be empty).
        """
        ...

    def on_stop(self) -> Sequence[Candidate]:
        """End of the session: return the candidates still held.

        Returns
        -------
        sequence of Candidate
            The remaining candidates (may be empty).
        """
        ...


class ProcessingRunner:
    """Runs a :class:`LiveProcessor` in a thread fed through a bounded queue.

    Parameters
    ----------
    processor : LiveProcessor
        The processor.
    streams : mapping of str to StreamHeader
        Passed to ``on_start``.
    max_bytes : int
        Bytes of rows that may wait for processing before blocks are dropped.
    """

    def __init__(
        self,
        processor: LiveProcessor,
        streams: Mapping[str, StreamHeader],
        max_bytes: int = 64 << 20,
    ) -> None:
        self.processor = processor
        self.streams = dict(streams)
        self.max_bytes = int(max_bytes)
        self._queue: deque[tuple[str, RowBlock]] = deque()
        self._bytes = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._candidates: deque[Candidate] = deque()
        self._events: deque[tuple[str, str, str]] = deque()
        self._behind = False
        self.rows_dropped = 0
        self.blocks_dropped = 0
        self.rows_processed = 0
        self.n_candidates = 0
        self.error: str | None = None
        self.busy_s = 0.0
        self._thread = threading.Thread(target=self._run, name="detsig-processing", daemon=True)

    def start(self) -> None:
        """Start the processing thread."""
        self._thread.start()

    def offer(self, stream: str, block: RowBlock) -> bool:
        """Queue a block for processing without ever waiting; False when it was dropped.

        Parameters
        ----------
        stream : str
            The stream's name.
        block : RowBlock
            The rows to process.

        Returns
        -------
        bool
            True when queued; False when dropped because ``max_bytes`` would be exceeded (a
            ``processing_behind`` event is emitted once per stretch) or the processor has failed.
        """
        with self._cond:
            if self.error is not None:
                return False
            if self._bytes + block.nbytes > self.max_bytes and self._queue:
                self.rows_dropped += block.n_rows
                self.blocks_dropped += 1
                if not self._behind:
                    self._behind = True
                    self._events.append(
                        (
                            "processing_behind",
                            stream,
                            f"processing fell behind; skipping rows from row {block.first_row}",
                        )
                    )
                return False
            if self._behind:
                self._behind = False
                self._events.append(
                    (
                        "processing_caught_up",
                        stream,
                        f"processing resumed at row {block.first_row}; "
                        f"{self.rows_dropped} rows skipped so far",
                    )
                )
            self._queue.append((stream, block))
            self._bytes += block.nbytes
            self._cond.notify()
            return True

    def take_candidates(self) -> list[Candidate]:
        """Candidates produced since the last call.

        Returns
        -------
        list of Candidate
            The candidates, in the order they were produced.
        """
        out = []
        while self._candidates:
            out.append(self._candidates.popleft())
        return out

    def take_events(self) -> list[tuple[str, str, str]]:
        """``(kind, stream, detail)`` events since the last call.

        Returns
        -------
        list of tuple of (str, str, str)
            Events such as ``processing_behind``, ``processing_caught_up`` and
            ``processing_error``, in order.
        """
        out = []
        while self._events:
            out.append(self._events.popleft())
        return out

    @property
    def backlog_bytes(self) -> int:
        """Bytes waiting for processing (a replay waits while it is high)."""
        return self._bytes

    def stop(self, timeout_s: float = 10.0) -> None:
        """Process what is queued, call ``on_stop`` and end the thread.

        Parameters
        ----------
        timeout_s : float
            Longest wait for the thread to finish, s.
        """
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _emit(self, candidates: Sequence[Candidate] | None) -> None:
        for candidate in candidates or ():
            self._candidates.append(candidate)
            self.n_candidates += 1

    def _fail(self, stage: str, error: BaseException) -> None:
        self.error = f"{stage}: {type(error).__name__}: {error}"
        self._events.append(
            ("processing_error", "", f"processing stopped ({self.error}); recording continues")
        )
        with self._cond:
            self._queue.clear()
            self._bytes = 0

    def _run(self) -> None:
        try:
            self.processor.on_start(self.streams)
        except Exception as error:
            self._fail("on_start", error)
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait(0.1)
                if not self._queue and self._stopping:
                    break
                stream, block = self._queue.popleft()
                self._bytes -= block.nbytes
            if self.error is not None:
                continue
            start = time.perf_counter()
            try:
                self._emit(self.processor.on_rows(stream, block))
                self.rows_processed += block.n_rows
            except Exception as error:
                self._fail("on_rows", error)
            self.busy_s += time.perf_counter() - start
        if self.error is None:
            with contextlib.suppress(Exception):
                self._emit(self.processor.on_stop())
