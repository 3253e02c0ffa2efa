"""Rows of a sensor stream as they cross from a device driver to the recorder and on to the
live consumers (one type for every driver and every thread boundary)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(eq=False)
class RowBlock:
    """Consecutive traces, frames or sweeps of one stream, as arrays.

    A driver fills the first four fields; the recorder adds the positions it resolved and the
    row index in the stream before it hands the block, exactly as written
    to the file, to the live display and the live processor.

    Parameters
    ----------
    data : ndarray, shape (n_rows, width)
        Samples in the device's type.
    seq : ndarray of uint32, shape (n_rows,)
        Sequence number of the frame each row came in.
    device_time_us : ndarray of uint64, shape (n_rows,)
        Device clock of each row, us (MD: frame times spread at the sample rate).
    host_time_ns : ndarray of int64, shape (n_rows,)
        Host clock when the bytes were read, ns since the epoch.
    distance_m : ndarray of float64, shape (n_rows,), optional
        Along-lane position of each row, m, when the source already knows it (a replayed
        recording); None (devices): the recorder places the rows (encoder, else GNSS).
    lat_deg, lon_deg : ndarray of float64, shape (n_rows,), optional
        WGS84 position of each row, deg, likewise (None: from the session's GNSS receiver).
    first_row : int
        Index of the first row in the recorded stream (-1 before it is recorded).
    """

    data: npt.NDArray[Any]
    seq: npt.NDArray[np.uint32]
    device_time_us: npt.NDArray[np.uint64]
    host_time_ns: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.float64] | None = None
    lat_deg: npt.NDArray[np.float64] | None = None
    lon_deg: npt.NDArray[np.float64] | None = None
    first_row: int = -1

    @property
    def n_rows(self) -> int:
        """Rows in the block."""
        return int(self.data.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        positions = sum(
            0 if column is None else 8 for column in (self.distance_m, self.lat_deg, self.lon_deg)
        )
        return int(self.data.nbytes + (24 + positions) * self.n_rows)
