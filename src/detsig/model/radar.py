"""The sample type of radar streams."""

from __future__ import annotations

import numpy as np

#: Complex int16 as a compound of two little-endian int16 fields, the layout of Acconeer A121
#: frames (NumPy and HDF5 have no complex integer type).
COMPLEX_INT16 = np.dtype([("real", "<i2"), ("imag", "<i2")])
