"""Private Numba kernels for metal-detector frames (n_frames, n_channels)."""

from __future__ import annotations

from numba import njit


@njit(cache=True, nogil=True)
def project_out(x, basis, offset, out):  # pragma: no cover - compiled
    """``out = (x - offset) - ((x - offset) @ basis) @ basis.T`` row by row (``basis`` has
    orthonormal columns)."""
    n_frames, n_channels = x.shape
    n_components = basis.shape[1]
    centred = x[0].astype(basis.dtype)
    for f in range(n_frames):
        for j in range(n_channels):
            centred[j] = x[f, j] - offset[j]
        for j in range(n_channels):
            out[f, j] = centred[j]
        for k in range(n_components):
            coefficient = 0.0
            for j in range(n_channels):
                coefficient += centred[j] * basis[j, k]
            for j in range(n_channels):
                out[f, j] -= coefficient * basis[j, k]
