"""The detsig HDF5 recording format, version 1: writer and lazy reader in one namespace."""

from detsig.io._tables import CANDIDATE_DTYPE, EVENT_DTYPE, TRUTH_DTYPE, Event
from detsig.io.reader import (
    Recording,
    StreamReader,
    is_detsig_recording,
    open_recording,
    write_candidates_into,
)
from detsig.io.writer import (
    FORMAT_NAME,
    FORMAT_VERSION,
    RecordingWriter,
    SampleStreamWriter,
    StreamWriter,
    TrackStreamWriter,
)

__all__ = [
    "CANDIDATE_DTYPE",
    "EVENT_DTYPE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "TRUTH_DTYPE",
    "Event",
    "Recording",
    "RecordingWriter",
    "SampleStreamWriter",
    "StreamReader",
    "StreamWriter",
    "TrackStreamWriter",
    "is_detsig_recording",
    "open_recording",
    "write_candidates_into",
]
