"""Small validation helpers shared by the model classes (errors name the bad value)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt


def positive(name: str, value: float) -> float:
    """Return ``value`` as float, or raise ValueError unless it is finite and > 0."""
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def readonly_array(
    name: str, value: Any, *, ndim: int, length: int | None = None, dtype: Any = None
) -> npt.NDArray[Any]:
    """Return ``value`` as a read-only C-contiguous array view, checking its rank and length."""
    array = np.ascontiguousarray(value, dtype=dtype)
    if array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {array.shape}")
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{name} must have {length} rows, got {array.shape[0]}")
    view = array.view()
    view.setflags(write=False)
    return view


def optional_rows(name: str, value: Any, length: int, dtype: Any = np.float64) -> Any:
    """Like :func:`readonly_array` for an optional per-row vector; ``None`` stays ``None``."""
    if value is None:
        return None
    return readonly_array(name, value, ndim=1, length=length, dtype=dtype)
