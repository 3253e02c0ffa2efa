"""Dewow: remove the slowly varying "wow" from each GPR trace."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_trace
from detsig.dsp._validate import as_float_2d, odd_window, out_dtype


def dewow(x: npt.ArrayLike, window_samples: int) -> npt.NDArray[Any]:
    """Subtract a centred running mean along the samples of every trace.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces (any real dtype).
    window_samples : int
        Length of the running-mean window, samples (odd, >= 1). A common choice is about one
        period of the antenna centre frequency.

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)
        ``x`` minus the mean of the window centred on each sample.

    Notes
    -----
    Edges: near the first and last samples the window is truncated to the samples that exist
    (the mean is over fewer samples), so no padding value is invented. Traces are independent,
    so processing traces in chunks gives exactly the batch result (no state needed).

    References
    ----------
    .. [1] Annan, A. P. (2009). Electromagnetic principles of ground penetrating radar. In
       H. M. Jol (Ed.), *Ground Penetrating Radar: Theory and Applications*, ch. 1, Elsevier.
    .. [2] readgssi ``filtering.dewow`` fits a cubic to one trace and *adds* it; detsig
       subtracts a running mean instead (see docs/processing.md).

    Examples
    --------
    >>> import numpy as np
    >>> y = dewow(np.ones((2, 8), dtype=np.float32) * 5, 3)
    >>> float(abs(y).max())
    0.0
    """
    window = odd_window("window_samples", window_samples)
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    out = np.empty_like(data)
    if data.size:
        _kernels_trace.window_stat_rows(data, window // 2, 0, out)
    return out
