"""The live session: ports -> reader threads -> recorder thread (HDF5) -> processing, display.

Threads and data flow
---------------------
::

    port --> SensorReader / GnssReader --(ByteBoundedQueue)--> Recorder --> RecordingWriter
             (one thread per port: read                        (the only   (HDF5 file,
              bytes, decode frames)                             h5py user)  flushed <= 0.2 s)
                                                                  |  \\
                                              ProcessingRunner <--+   +--> DisplayBuffers
                                              (LiveProcessor,           (ring buffers,
                                               own bounded queue)        snapshot())

Back-pressure policy: recording always wins
-------------------------------------------
1. Readers only read and decode; they hand whole batches to the recorder through one queue
   bounded in bytes (``SessionOptions.queue_bytes``, 512 MiB: minutes of data at field
   rates). If the disk is so slow that the queue fills, the reader waits: memory stays
   bounded, the operating system's serial buffer fills and the device (or the OS) drops
   bytes, which the decoder reports as ``gap`` / ``bad_frame`` events: loss is never silent.
2. The recorder never waits for processing or display. Each written block is *offered* to
   the processing thread through its own bounded queue (``processing_queue_bytes``); when
   that is full the block is skipped for processing only (it is already in the file), counted
   (``ProcessingRunner.rows_dropped``) and marked in the file with one ``processing_behind``
   event per episode (``processing_caught_up`` when it recovers). A processor that raises is
   switched off with a ``processing_error`` event; recording continues.
3. Display buffers are rings of the newest rows; pushing is one array copy under a short
   lock, a viewer copies a snapshot on its own timer: newest data win, old rows are
   overwritten, and drawing never blocks recording.
4. A failure to write (disk full) ends the session with an error; the file keeps everything
   up to its last flush.

Events written to ``/events``
-----------------------------
``bad_frame`` (one per rejected frame, reason in the detail), ``gap`` (one per run of missing
sequence numbers, ``"N missing (seq a-b)"``), ``seq_reset`` (device restarted its counter),
``disconnect`` / ``reconnect`` (outage duration in the detail), ``mark`` (MARK messages),
``device_error`` (ERROR messages), ``status`` (STATUS messages),
``processing_behind`` / ``processing_caught_up`` / ``processing_error``.

Positions
---------
``distance_m`` of each trace / MD frame comes from the device's ENCODER messages
(interpolated at the row's device time) when it sends them, else from GNSS (local transverse
Mercator about the first fix, distance along the track, interpolated at host arrival time).
With a GNSS port every GPR/MD stream also has ``lat_deg`` / ``lon_deg`` columns. A row waits
at most ``POSITION_HOLD_S`` (0.1 s) for the reading after it.

API for live processing (detection)
-----------------------------------
Implement :class:`LiveProcessor`::

    class MyDetector:
        def on_start(self, streams: Mapping[str, StreamHeader]) -> None: ...
        def on_rows(self, stream: str, block: RowBlock) -> Sequence[Candidate]: ...
        def on_stop(self) -> Sequence[Candidate]: ...

    session = LiveSession(options, processor=MyDetector())

All three run in one processing thread. ``StreamHeader`` is a :class:`~detsig.model.GprHeader`
(``kind`` "gpr" or "radar": ``n_samples``, ``sample_interval_s``, centre frequency, time
zero, trace step, HELLO) or an :class:`~detsig.model.MdHeader` (``sample_rate_hz``,
``channel_names``, gate delays, units, HELLO). :class:`~detsig.model.RowBlock` holds
``data (n_rows, width)`` in the device type, ``seq``, ``device_time_us``, ``host_time_ns``,
``distance_m``, ``lat_deg``, ``lon_deg`` and ``first_row`` (row index in the stream); blocks
arrive in order per stream, and some may be skipped when processing falls behind (check
``first_row``). Returned candidates go to ``/candidates`` and to the display.

API for live display (viewer)
-----------------------------
``session.display`` is a :class:`DisplayBuffers` (available after :meth:`LiveSession.start`)::

    snap = session.display.snapshot()          # DisplaySnapshot, a consistent copy
    snap.version                               # changes when anything new arrived
    snap.streams["gpr0"].data                  # (n <= 2048, n_samples) newest traces, oldest first
    snap.streams["gpr0"].distance_m / .seq / .host_time_ns / .total_rows / .info
    snap.streams["md0"].data                   # (n <= 20000, n_channels)
    snap.counters["gpr0"]                      # rows, frames, gaps, gap_events, bad_frames,
                                               # rate_hz, connected (refreshed by status())
    snap.candidates                            # newest candidates
    snap.gnss                                  # lat_deg, lon_deg, fix_quality, fix_name,
                                               # n_satellites, hdop, utc_time_s, distance_m

``session.status()`` returns a :class:`SessionStatus` (what ``detsig record`` prints).
"""

from detsig.acquire.display import DisplayBuffers, DisplaySnapshot, StreamSnapshot
from detsig.acquire.positions import EncoderPositions, GnssPositions
from detsig.acquire.queues import ByteBoundedQueue
from detsig.acquire.recorder import POSITION_HOLD_S, Recorder
from detsig.acquire.runner import LiveProcessor, ProcessingRunner
from detsig.acquire.session import LiveSession, SessionOptions, SessionStatus, StreamStatus

__all__ = [
    "POSITION_HOLD_S",
    "ByteBoundedQueue",
    "DisplayBuffers",
    "DisplaySnapshot",
    "EncoderPositions",
    "GnssPositions",
    "LiveProcessor",
    "LiveSession",
    "ProcessingRunner",
    "Recorder",
    "SessionOptions",
    "SessionStatus",
    "StreamSnapshot",
    "StreamStatus",
]
