"""Obviously-correct (slow) twins of the dsp kernels: plain loops and NumPy, no cleverness.

Each function follows the definition written in the public function's docstring, sample by
sample, in float64.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal


def dewow(x, window):
    x = np.asarray(x, dtype=np.float64)
    half = window // 2
    out = np.empty_like(x)
    n = x.shape[1]
    for r in range(x.shape[0]):
        for i in range(n):
            lo, hi = max(i - half, 0), min(i + half, n - 1)
            out[r, i] = x[r, i] - x[r, lo : hi + 1].mean()
    return out


def agc(x, window):
    x = np.asarray(x, dtype=np.float64)
    half = window // 2
    out = np.empty_like(x)
    n = x.shape[1]
    for r in range(x.shape[0]):
        for i in range(n):
            lo, hi = max(i - half, 0), min(i + half, n - 1)
            rms = math.sqrt(float(np.mean(x[r, lo : hi + 1] ** 2)))
            out[r, i] = x[r, i] / rms if rms > 0 else 0.0
    return out


def power_gain(n, dt, power, time_zero_s=0.0, reference_time_s=1e-9):
    return np.array(
        [max((i * dt - time_zero_s) / reference_time_s, 1.0) ** power for i in range(n)]
    )


def sec_gain(n, dt, exponent_per_s, power=1.0, time_zero_s=0.0, reference_time_s=1e-9, cap=1e4):
    gains = []
    for i in range(n):
        t = i * dt - time_zero_s
        g = max(t / reference_time_s, 1.0) ** power * math.exp(exponent_per_s * max(t, 0.0))
        gains.append(min(g, cap))
    return np.array(gains)


def shift(x, shifts):
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    n = x.shape[1]
    for r in range(x.shape[0]):
        for i in range(n):
            j = i + int(shifts[r])
            if 0 <= j < n:
                out[r, i] = x[r, j]
    return out


def first_break(x, fraction):
    result = []
    for row in np.abs(np.asarray(x, dtype=np.float64)):
        peak = row.max() if row.size else 0.0
        hits = np.nonzero(row >= fraction * peak)[0] if peak > 0 else []
        result.append(int(hits[0]) if len(hits) else -1)
    return np.array(result)


def background(x, window=None, method="mean"):
    x = np.asarray(x, dtype=np.float64)
    average = np.mean if method == "mean" else np.median
    if window is None:
        return x - average(x, axis=0)
    half = window // 2
    out = np.empty_like(x)
    n = x.shape[0]
    for g in range(n):
        lo, hi = max(g - half, 0), min(g + half, n - 1)
        out[g] = x[g] - average(x[lo : hi + 1], axis=0)
    return out


def biquad_cascade(x, sos, state=None):
    """Direct evaluation of each section's difference equation, y[n] = b.x - a.y, along axis 0."""
    y = np.asarray(x, dtype=np.float64).copy()
    for _s, (b0, b1, b2, a0, a1, a2) in enumerate(sos):
        assert a0 == 1.0
        out = np.zeros_like(y)
        x1 = np.zeros(y.shape[1:])
        x2 = np.zeros(y.shape[1:])
        y1 = np.zeros(y.shape[1:])
        y2 = np.zeros(y.shape[1:])
        for n in range(y.shape[0]):
            out[n] = b0 * y[n] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2, x1 = x1, y[n]
            y2, y1 = y1, out[n]
        y = out
    return y


def filtfilt(x, sos):
    return signal.sosfiltfilt(sos, np.asarray(x, dtype=np.float64), axis=-1)


def envelope(x):
    """|analytic signal| from the textbook one-sided spectrum, by a direct DFT."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[1]
    k = np.arange(n)
    dft = np.exp(-2j * np.pi * np.outer(k, k) / n)
    h = np.zeros(n)
    if n:
        h[0] = 1.0
        if n % 2 == 0:
            h[n // 2] = 1.0
            h[1 : n // 2] = 2.0
        else:
            h[1 : (n + 1) // 2] = 2.0
    spectrum = x @ dft.T
    analytic = (spectrum * h) @ np.conj(dft).T / n if n else spectrum
    return np.abs(analytic)


def time_to_depth(x, dt, velocity, depth_m, time_zero_s=0.0):
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[1]
    velocities = np.broadcast_to(np.asarray(velocity, dtype=np.float64), (n,))
    depth_of_sample = [0.0]
    for i in range(1, n):
        depth_of_sample.append(depth_of_sample[-1] + velocities[i - 1] * dt / 2)
    depth_of_sample = np.array(depth_of_sample)
    depth_of_sample -= np.interp(time_zero_s / dt, np.arange(n), depth_of_sample)
    out = np.empty((x.shape[0], len(depth_m)))
    for r in range(x.shape[0]):
        out[r] = np.interp(depth_m, depth_of_sample, x[r], right=0.0)
    return out


def stolt(x, dt, dx, v):
    """Stolt migration with np.interp per wavenumber (same grid and conventions)."""
    x = np.asarray(x, dtype=np.float64)
    n_x, n_t = x.shape
    spectrum = np.fft.fft(np.fft.rfft(x, axis=1), axis=0)
    omega = 2 * np.pi * np.fft.rfftfreq(n_t, d=dt)
    kx = 2 * np.pi * np.fft.fftfreq(n_x, d=dx)
    mapped = np.zeros_like(spectrum)
    for r in range(n_x):
        for j in range(len(omega)):
            kz = 2 * omega[j] / v
            k = math.hypot(kx[r], kz)
            w = v / 2 * k
            if k == 0 or w > omega[-1] + 1e-9 * omega[-1]:
                continue
            value = np.interp(w, omega, spectrum[r].real) + 1j * np.interp(
                w, omega, spectrum[r].imag
            )
            mapped[r, j] = value * kz / k
    return np.fft.irfft(np.fft.ifft(mapped, axis=0), n=n_t, axis=1)


def kirchhoff(x, dt, dx, v, nearest=False, aperture_m=None):
    """Diffraction summation straight from the formula, every image point on its own."""
    x = np.asarray(x, dtype=np.float64)
    n_x, n_t = x.shape
    grad = np.gradient(x, dt, axis=1) if n_t > 1 else np.zeros_like(x)
    out = np.zeros_like(x)
    t_max = (n_t - 1) * dt
    reach = v * t_max / 2 if aperture_m is None else min(aperture_m, v * t_max / 2)
    for x0 in range(n_x):
        for ti in range(n_t):
            z = v * ti * dt / 2
            total = 0.0
            for xi in range(n_x):
                offset = abs(xi - x0) * dx
                if offset > reach + 1e-12:
                    continue
                r = math.hypot(offset, z)
                t = 2 * r / v
                if t > t_max * (1 + 1e-12) or r == 0:
                    continue
                p = t / dt
                if nearest:
                    value = grad[xi, int(p + 0.5)]
                else:
                    value = np.interp(p, np.arange(n_t), grad[xi])
                total += value * (z / r) / (2 * math.pi * v)
            out[x0, ti] = total
    return out


def trailing_median(x, window):
    x = np.asarray(x, dtype=np.float64)
    return np.array(
        [np.median(x[max(i - window + 1, 0) : i + 1], axis=0) for i in range(len(x))]
    ).reshape(x.shape)


def trailing_mean(x, window):
    x = np.asarray(x, dtype=np.float64)
    return np.array(
        [np.mean(x[max(i - window + 1, 0) : i + 1], axis=0) for i in range(len(x))]
    ).reshape(x.shape)


def ground_balance(x, basis, offset):
    centred = np.asarray(x, dtype=np.float64) - offset
    return centred - centred @ basis @ basis.T
