"""The sample type of radar streams, and how their distance axis is shown as time."""

from __future__ import annotations

import numpy as np

#: Complex int16 as a compound of two little-endian int16 fields, the layout of Acconeer A121
#: frames (NumPy and HDF5 have no complex integer type).
COMPLEX_INT16 = np.dtype([("real", "<i2"), ("imag", "<i2")])
#: Speed of light in air, m/s: a radar sweep's distance points shown as two-way time in air.
SPEED_OF_LIGHT_AIR_M_S = 299_702_547.0
