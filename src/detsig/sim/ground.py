"""The ground of a simulated lane: surface height and soil properties along the lane.

Both sensors see the same ground: the radar's surface echo and velocity and the metal
detector's coil height and magnetic-soil response come from one :class:`Ground` drawn once per
lane from the seed. Random profiles are Gaussian-correlated noise (white noise smoothed with a
Gaussian kernel of the scenario's correlation length, rescaled to unit standard deviation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from detsig.sim.scenario import Scenario

#: Spacing of the tabulated ground profiles, m.
GROUND_STEP_M = 0.005


def smooth_noise(
    rng: np.random.Generator, n: int, correlation_samples: float
) -> npt.NDArray[np.float64]:
    """Zero-mean, unit-variance Gaussian-correlated random series, shape (n,).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    n : int
        Length of the series.
    correlation_samples : float
        Standard deviation of the Gaussian smoothing kernel, in samples (0: white noise).

    Returns
    -------
    ndarray of float64, shape (n,)
        The series, standardised to mean 0 and standard deviation 1 (when ``n > 1``).
    """
    pad = int(4 * correlation_samples) + 1
    size = n + 2 * pad
    white = rng.standard_normal(size)
    if correlation_samples > 0:
        # Gaussian smoothing as a product in the frequency domain (circular, hence the pad).
        frequency = np.fft.rfftfreq(size)
        transfer = np.exp(-2.0 * (np.pi * frequency * correlation_samples) ** 2)
        white = np.fft.irfft(np.fft.rfft(white) * transfer, n=size)
    series = white[pad : pad + n]
    std = float(series.std())
    if n > 1 and std > 0:
        series = (series - series.mean()) / std
    return np.ascontiguousarray(series, dtype=np.float64)


@dataclass(frozen=True)
class Ground:
    """Ground profiles tabulated every :data:`GROUND_STEP_M` along the lane.

    Parameters
    ----------
    x_m : ndarray, shape (n,)
        Along-lane positions of the table, m.
    surface_m : ndarray, shape (n,)
        Height of the ground surface above its mean, m (roughness).
    permittivity : ndarray, shape (n,)
        Relative permittivity of the top soil (heterogeneity).
    susceptibility : ndarray, shape (n,)
        Viscous magnetic susceptibility of the soil, SI (>= 0).
    layer_depth_m : ndarray, shape (n_layers, n)
        Depth of each soil interface below the mean surface, m.
    """

    x_m: npt.NDArray[np.float64]
    surface_m: npt.NDArray[np.float64]
    permittivity: npt.NDArray[np.float64]
    susceptibility: npt.NDArray[np.float64]
    layer_depth_m: npt.NDArray[np.float64]

    def at(self, profile: npt.NDArray[np.float64], x_m: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Linear interpolation of one profile at positions ``x_m`` (clamped at the ends).

        Parameters
        ----------
        profile : ndarray, shape (n,)
            One tabulated profile of this ground (e.g. :attr:`surface_m` or one row of
            :attr:`layer_depth_m`), on the grid :attr:`x_m`.
        x_m : array_like
            Along-lane positions, m.

        Returns
        -------
        ndarray of float64, same shape as ``x_m``
            The profile at ``x_m``, in the profile's unit.
        """
        return np.interp(np.asarray(x_m, dtype=np.float64), self.x_m, profile)


def make_ground(scenario: Scenario, rng: np.random.Generator) -> Ground:
    """Draw the ground profiles of a lane from the scenario's soil description.

    Parameters
    ----------
    scenario : Scenario
        Lane length and soil (roughness, heterogeneity, susceptibility, layers).
    rng : numpy.random.Generator
        Source of randomness; the same state gives the same ground.

    Returns
    -------
    Ground
        Profiles tabulated 1 m beyond both lane ends (a swept coil may overshoot).
    """
    soil = scenario.soil
    x_m = np.arange(-1.0, scenario.lane.length_m + 1.0 + GROUND_STEP_M / 2, GROUND_STEP_M)
    n = x_m.size
    corr = soil.roughness_correlation_m / GROUND_STEP_M
    surface = soil.roughness_m * smooth_noise(rng, n, corr)
    permittivity = soil.relative_permittivity * (
        1.0 + soil.permittivity_variation * smooth_noise(rng, n, 3 * corr)
    )
    permittivity = np.maximum(permittivity, 1.0)
    susceptibility = soil.magnetic_susceptibility * np.exp(
        soil.susceptibility_variation * smooth_noise(rng, n, 4 * corr)
        - 0.5 * soil.susceptibility_variation**2
    )
    layers = np.empty((len(soil.layers), n))
    for index, layer in enumerate(soil.layers):
        layers[index] = layer.depth_m + layer.undulation_m * smooth_noise(rng, n, 4 * corr)
    return Ground(
        x_m=x_m,
        surface_m=surface,
        permittivity=permittivity,
        susceptibility=susceptibility,
        layer_depth_m=layers,
    )
