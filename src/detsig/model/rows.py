"""Rows of a sensor stream as they cross from a device driver to the recorder and on to the
live consumers (one type for every driver and every thread boundary)."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    distance_m : ndarray of float64, shape (n_rows,)
        Along-lane position of each row, m (NaN until the recorder resolves it, or unknown).
    lat_deg, lon_deg : ndarray of float64, shape (n_rows,)
        WGS84 position of each row, deg (NaN without GNSS).
    first_row : int
        Index of the first row in the recorded stream (-1 before it is recorded).
    """

    data: npt.NDArray[Any]
    seq: npt.NDArray[np.uint32]
    device_time_us: npt.NDArray[np.uint64]
    host_time_ns: npt.NDArray[np.int64]
    distance_m: FloatArray = field(default_factory=lambda: np.empty(0))
    lat_deg: FloatArray = field(default_factory=lambda: np.empty(0))
    lon_deg: FloatArray = field(default_factory=lambda: np.empty(0))
    first_row: int = -1

    def __post_init__(self) -> None:
        n = self.n_rows
        for name in ("distance_m", "lat_deg", "lon_deg"):
            value = getattr(self, name)
            if value is None or np.size(value) == 0:
                setattr(self, name, np.full(n, np.nan))
            else:
                value = np.asarray(value, dtype=np.float64)
                if value.shape != (n,):
                    raise ValueError(f"{name} must have one value per row ({n}), got {value.shape}")
                setattr(self, name, value)

    @property
    def n_rows(self) -> int:
        """Rows in the block."""
        return int(self.data.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return int(self.data.nbytes + 48 * self.n_rows)
