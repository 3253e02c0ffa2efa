"""Rows of a sensor stream as they cross from a device driver to the recorder and the live
consumers (one type for every driver and every thread boundary)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass
class RowBlock:
    """Consecutive traces, frames or sweeps of one stream, as arrays.

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
    """

    data: npt.NDArray[Any]
    seq: npt.NDArray[np.uint32]
    device_time_us: npt.NDArray[np.uint64]
    host_time_ns: npt.NDArray[np.int64]

    @property
    def n_rows(self) -> int:
        """Rows in the block."""
        return int(self.data.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return int(self.data.nbytes + 24 * self.n_rows)
