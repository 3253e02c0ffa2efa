"""Argument checks shared by the public filter functions (the kernels trust their inputs)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import ParameterError


def as_float_2d(name: str, x: npt.ArrayLike, dtype: Any = np.float32) -> npt.NDArray[Any]:
    """``x`` as a C-contiguous 2-D array of ``dtype`` (a copy only when needed)."""
    array = np.asarray(x)
    if array.ndim != 2:
        raise ParameterError(
            f"{name} must be a 2-D array shaped (n_traces, n_samples) or (n_frames, n_channels), "
            f"got {array.ndim} dimension(s)"
        )
    if array.dtype.kind not in "biuf":
        raise ParameterError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=dtype)


def out_dtype(x: npt.NDArray[Any]) -> Any:
    """float64 input stays float64; everything else is processed as float32."""
    return np.float64 if np.asarray(x).dtype == np.float64 else np.float32


def positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ParameterError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    if value < minimum:
        raise ParameterError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def odd_window(name: str, value: Any) -> int:
    """A window length that is a positive odd int (centred windows need a middle sample)."""
    window = positive_int(name, value)
    if window % 2 == 0:
        raise ParameterError(f"{name} must be odd so the window is centred, got {window}")
    return window


def nearest_odd(value: float, minimum: int = 1) -> int:
    """The nearest odd whole number >= ``minimum`` (window lengths resolved from physical sizes).

    Parameters
    ----------
    value : float
        Wanted length (e.g. a window in metres divided by the trace step in metres).
    minimum : int
        Smallest result.

    Returns
    -------
    int
        ``max(round(value), minimum)``, plus one when that is even.
    """
    n = max(round(value), minimum)
    return n if n % 2 == 1 else n + 1


def positive_float(name: str, value: Any) -> float:
    """``value`` as a finite float > 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number > 0, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ParameterError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def finite_float(name: str, value: Any) -> float:
    """``value`` as a finite float."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return number


def choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    """``value`` as one of ``options``."""
    if value not in options:
        raise ParameterError(f"{name} must be one of {', '.join(options)}; got {value!r}")
    return str(value)
