"""Ground-penetrating radar B-scan synthesis (ray optics, point diffractors, Ricker wavelet).

The radar moves along the lane axis at a fixed height. Every trace is the sum of wavelets:

- the transmitter-receiver direct wave and its antenna ringing (constant in time: the
  horizontal banding that background removal must take out), with a slow "wow" tail;
- the ground-surface reflection at ``2 h / c`` with the local Fresnel coefficient;
- each soil-layer interface;
- each target and small scatterer: a diffraction hyperbola whose two-way time follows the
  refracted ray (Fermat's principle: air path to the surface crossing point, then soil path at
  ``v = c / sqrt(eps_r)``), and whose amplitude is the permittivity-contrast reflection
  coefficient times the two-way surface transmission, a Fresnel-zone size factor, geometric
  spreading ``1 / path length``, an antenna pattern ``cos(theta_air) cos^2(theta_soil)`` of
  the refracted ray (which also stands for the oblique surface transmission), and the
  low-loss conductive attenuation ``exp(-2 alpha L)`` with ``alpha = sigma Z0 / (2 sqrt(eps_r))``;
- weak volume clutter (random reflectivity, correlated along the lane), white noise, and a slow
  receiver gain drift.

Sign convention: the normal-incidence reflection coefficient going from medium 1 into
medium 2 is ``R = (sqrt(eps1) - sqrt(eps2)) / (sqrt(eps1) + sqrt(eps2))``, so the ground
surface (air to soil) and a metal object (``R = -1``) reflect with the same polarity, and a
plastic mine (eps ~ 3 in soil of eps ~ 9, ``R ~ +0.27``) with the opposite one.

Approximations (documented in docs/simulation.md): targets are point diffractors at the centre
of their top face; below layers the ray uses the depth-averaged slowness; the size factor and
the antenna pattern are scalar.

References
----------
.. [1] Ricker, N. (1953). The form and laws of propagation of seismic wavelets. Geophysics
   18(1), 10-40.
.. [2] Annan, A. P. (2009). Electromagnetic principles of ground penetrating radar. In
   Jol, H. M. (ed.), Ground Penetrating Radar: Theory and Applications, Elsevier, ch. 1
   (velocity ``c / sqrt(eps_r)``, low-loss attenuation ``alpha = 1.69e3 sigma / sqrt(eps_r)``
   dB/m, Fresnel reflection coefficients).
.. [3] Daniels, D. J. (2004). Ground Penetrating Radar, 2nd ed., IET (antenna ringing, direct
   coupling and surface clutter in landmine GPR).
.. [4] Born, M. and Wolf, E. (1999). Principles of Optics, 7th ed. (Fermat's principle,
   Fresnel zones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter1d

from detsig.model import SPEED_OF_LIGHT_M_PER_S, GprHeader, GprScan
from detsig.sim.ground import Ground, smooth_noise
from detsig.sim.scenario import MATERIAL_PERMITTIVITY, Scenario, TargetSpec

#: Impedance of free space, ohm.
FREE_SPACE_IMPEDANCE_OHM = 376.730313

#: Lateral half-aperture over which a diffraction hyperbola is synthesised, m.
APERTURE_HALF_WIDTH_M = 1.5

#: Vertical thickness of a target body as a fraction of its size (for the bottom echo).
_THICKNESS_FRACTION = {
    "ap-plastic": 0.5,
    "at": 0.35,
    "rock": 0.7,
    "void": 0.6,
}


def ricker(time_s: npt.ArrayLike, center_frequency_hz: float) -> npt.NDArray[np.float64]:
    """Ricker (Mexican-hat) wavelet of unit peak at ``t = 0``.

    ``w(t) = (1 - 2 (pi f t)^2) exp(-(pi f t)^2)`` with peak frequency ``f`` [1]_.

    Parameters
    ----------
    time_s : array_like
        Times relative to the wavelet centre, s.
    center_frequency_hz : float
        Peak frequency of the amplitude spectrum, Hz.

    Returns
    -------
    ndarray of float64, same shape as ``time_s``
        Wavelet amplitude, dimensionless (1 at ``t = 0``).

    References
    ----------
    .. [1] Ricker, N. (1953). Geophysics 18(1), 10-40.
    """
    arg = (math.pi * center_frequency_hz * np.asarray(time_s, dtype=np.float64)) ** 2
    return (1.0 - 2.0 * arg) * np.exp(-arg)


def reflection_coefficient(permittivity_from: float, permittivity_to: float) -> float:
    """Normal-incidence reflection coefficient from medium 1 into medium 2.

    ``R = (sqrt(eps1) - sqrt(eps2)) / (sqrt(eps1) + sqrt(eps2))``; ``inf`` (a perfect
    conductor) gives -1.

    Parameters
    ----------
    permittivity_from : float
        Relative permittivity of the medium the wave travels in (> 0).
    permittivity_to : float
        Relative permittivity of the medium it reflects from (> 0; ``inf`` for a metal).

    Returns
    -------
    float
        Amplitude reflection coefficient, dimensionless, in [-1, 1]; negative when the second
        medium is denser (e.g. soil below air).

    References
    ----------
    .. [1] Annan, A. P. (2009). Electromagnetic principles of ground penetrating radar. In
       H. M. Jol (ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, ch. 1.
    """
    if math.isinf(permittivity_to):
        return -1.0
    n1, n2 = math.sqrt(permittivity_from), math.sqrt(permittivity_to)
    return (n1 - n2) / (n1 + n2)


def attenuation_np_per_m(conductivity_s_per_m: float, relative_permittivity: float) -> float:
    """Low-loss conductive attenuation, Np/m: ``sigma Z0 / (2 sqrt(eps_r))``.

    Equals ``1.636e3 sigma / sqrt(eps_r)`` dB/m (Annan 2009 rounds to 1.69e3).

    Parameters
    ----------
    conductivity_s_per_m : float
        Electrical conductivity of the soil, S/m (>= 0).
    relative_permittivity : float
        Relative permittivity of the soil (> 0).

    Returns
    -------
    float
        Amplitude attenuation, Np/m (multiply by 8.686 for dB/m).

    References
    ----------
    .. [1] Annan, A. P. (2009). Electromagnetic principles of ground penetrating radar. In
       H. M. Jol (ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, ch. 1.
    """
    return (
        conductivity_s_per_m * FREE_SPACE_IMPEDANCE_OHM / (2.0 * math.sqrt(relative_permittivity))
    )


def refracted_path(
    offset_m: npt.ArrayLike,
    antenna_height_m: npt.ArrayLike,
    depth_m: npt.ArrayLike,
    velocity_m_per_s: npt.ArrayLike,
    *,
    iterations: int = 30,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """One-way ray from an antenna in air to a point in the soil, by Fermat's principle.

    The ray crosses a flat surface at horizontal distance ``u`` from the antenna, where
    ``t(u) = sqrt(h^2 + u^2) / c + sqrt(d^2 + (X - u)^2) / v`` is least (Snell's law). ``u``
    is found by safeguarded Newton iterations, vectorised over all inputs.

    Parameters
    ----------
    offset_m : array_like
        Horizontal distance between antenna and point, m (>= 0).
    antenna_height_m : array_like
        Height of the antenna above the surface, m (>= 0).
    depth_m : array_like
        Depth of the point below the surface, m (>= 0).
    velocity_m_per_s : array_like
        Velocity in the soil, m/s.

    Returns
    -------
    time_s : ndarray
        One-way travel time, s.
    air_path_m, soil_path_m : ndarray
        Lengths of the ray in air and in soil, m.
    """
    x, h, d, v = np.broadcast_arrays(
        np.abs(np.asarray(offset_m, dtype=np.float64)),
        np.asarray(antenna_height_m, dtype=np.float64),
        np.asarray(depth_m, dtype=np.float64),
        np.asarray(velocity_m_per_s, dtype=np.float64),
    )
    c = SPEED_OF_LIGHT_M_PER_S
    tiny = 1e-12
    # Start from the straight line's crossing point; clamp to [0, X] (the minimum lies there).
    u = np.where(h + d > 0, x * h / np.maximum(h + d, tiny), 0.0)
    for _ in range(iterations):
        air = np.sqrt(h * h + u * u)
        soil = np.sqrt(d * d + (x - u) ** 2)
        grad = u / np.maximum(air, tiny) / c - (x - u) / np.maximum(soil, tiny) / v
        curv = (h * h) / np.maximum(air, tiny) ** 3 / c + (d * d) / np.maximum(soil, tiny) ** 3 / v
        step = grad / np.maximum(curv, tiny)
        u = np.clip(u - step, 0.0, x)
    air = np.sqrt(h * h + u * u)
    soil = np.sqrt(d * d + (x - u) ** 2)
    return air / c + soil / v, air, soil


@dataclass(frozen=True)
class GprEvent:
    """A synthesised reflection of one object, for tests and figures.

    Parameters
    ----------
    target_id : str
        The object's id (``"scatterer-N"`` for random scatterers).
    trace_index : ndarray, shape (m,)
        Traces that carry the event.
    time_s : ndarray, shape (m,)
        Two-way time of the wavelet centre in those traces, s (trace time axis, i.e. including
        the pre-trigger so it compares with ``GprScan.time_s + header.time_zero_s``).
    amplitude : ndarray, shape (m,)
        Signed peak amplitude, counts.
    """

    target_id: str
    trace_index: npt.NDArray[np.int64]
    time_s: npt.NDArray[np.float64]
    amplitude: npt.NDArray[np.float64]


def _effective_permittivity(
    scenario: Scenario, ground: Ground, x_m: float, depth_m: float
) -> float:
    """Permittivity whose velocity gives the vertical two-way time to ``depth_m``.

    Depth-averaged slowness through the layers above the point (top soil heterogeneity taken
    at ``x_m``).
    """
    top = float(ground.at(ground.permittivity, x_m))
    if not scenario.soil.layers or depth_m <= 0:
        return top
    edges = [0.0]
    perms = [top]
    for index, layer in enumerate(scenario.soil.layers):
        layer_depth = float(ground.at(ground.layer_depth_m[index], x_m))
        if layer_depth >= depth_m:
            break
        edges.append(layer_depth)
        perms.append(layer.relative_permittivity)
    edges.append(depth_m)
    slowness = (
        sum((edges[i + 1] - edges[i]) * math.sqrt(perms[i]) for i in range(len(perms))) / depth_m
    )
    return slowness**2


def _host_permittivity(scenario: Scenario, ground: Ground, x_m: float, depth_m: float) -> float:
    """Permittivity of the soil that surrounds a point."""
    host = float(ground.at(ground.permittivity, x_m))
    for index, layer in enumerate(scenario.soil.layers):
        if float(ground.at(ground.layer_depth_m[index], x_m)) < depth_m:
            host = layer.relative_permittivity
    return host


def synthesize_gpr(
    scenario: Scenario,
    targets: tuple[TargetSpec, ...],
    ground: Ground,
    rng: np.random.Generator,
) -> tuple[GprScan, list[GprEvent]]:
    """Synthesise the B-scan of a lane.

    Parameters
    ----------
    scenario : Scenario
        Lane, soil and radar settings.
    targets : tuple of TargetSpec
        The lane's objects (see :func:`detsig.sim.targets.resolve_targets`).
    ground : Ground
        Surface height and soil profiles (see :func:`detsig.sim.ground.make_ground`).
    rng : numpy.random.Generator
        Source of randomness for scatterers, clutter, drift and noise.

    Returns
    -------
    scan : GprScan
        int16 traces, shape (n_traces, n_samples), with ``distance_m`` per trace; the header's
        ``time_zero_s`` is the two-way time of the nominal ground surface echo.
    events : list of GprEvent
        Where each object's reflection was put (ids of the truth targets, then scatterers).
    """
    gpr = scenario.gpr
    soil = scenario.soil
    c = SPEED_OF_LIGHT_M_PER_S
    f0 = gpr.center_frequency_hz
    n_traces = math.floor(scenario.lane.length_m / gpr.trace_step_m + 1e-9) + 1
    n_samples = gpr.n_samples
    x_m = np.arange(n_traces, dtype=np.float64) * gpr.trace_step_m
    pretrigger_s = 1.5 / f0
    t_axis = np.arange(n_samples, dtype=np.float64) * gpr.sample_interval_s - pretrigger_s

    surface = ground.at(ground.surface_m, x_m)
    height = np.maximum(gpr.antenna_height_m - surface, 0.005)
    eps_top = ground.at(ground.permittivity, x_m)
    r_surface = (1.0 - np.sqrt(eps_top)) / (1.0 + np.sqrt(eps_top))
    transmission = 1.0 - r_surface**2
    r_nominal = abs(reflection_coefficient(1.0, soil.relative_permittivity))
    counts_per_unit = gpr.full_scale_counts / r_nominal
    h_ref = max(gpr.antenna_height_m, 0.02)

    data = np.zeros((n_traces, n_samples), dtype=np.float64)
    events: list[GprEvent] = []

    def add_event(
        ident: str,
        index: npt.NDArray[np.int64],
        time_s: npt.NDArray[np.float64],
        amplitude: npt.NDArray[np.float64],
    ) -> None:
        keep = (time_s < t_axis[-1] + 2.0 / f0) & (np.abs(amplitude) > 0)
        index, time_s, amplitude = index[keep], time_s[keep], amplitude[keep]
        if index.size:
            data[index] += amplitude[:, None] * ricker(t_axis[None, :] - time_s[:, None], f0)
        events.append(GprEvent(ident, index, time_s + pretrigger_s, amplitude * counts_per_unit))

    # Direct coupling with antenna ringing, and a slow "wow" tail (same in every trace).
    direct = np.zeros(n_samples)
    for k in range(4):
        direct += gpr.direct_coupling * r_nominal * (-0.45) ** k * ricker(t_axis - k / f0, f0)
    tail = (t_axis > 0.5 / f0) * np.exp(-np.maximum(t_axis, 0.0) / (6.0 / f0))
    direct += 0.04 * gpr.direct_coupling * r_nominal * tail
    data += direct[None, :]

    # Ground-surface echo (image source: amplitude ~ 1 / (2 h)).
    surface_time = 2.0 * height / c
    add_event(
        "surface",
        np.arange(n_traces),
        surface_time,
        r_surface * h_ref / height,
    )

    # Layer interfaces.
    perm_above = eps_top
    time_above = surface_time.copy()
    depth_above = np.zeros(n_traces)
    for index, layer in enumerate(soil.layers):
        layer_depth = ground.at(ground.layer_depth_m[index], x_m) - surface
        slab = np.maximum(layer_depth - depth_above, 0.0)
        layer_time = time_above + 2.0 * slab * np.sqrt(perm_above) / c
        r_layer = (np.sqrt(perm_above) - math.sqrt(layer.relative_permittivity)) / (
            np.sqrt(perm_above) + math.sqrt(layer.relative_permittivity)
        )
        alpha = attenuation_np_per_m(soil.conductivity_s_per_m, soil.relative_permittivity)
        amplitude = (
            r_layer
            * transmission
            * h_ref
            / (height + layer_depth)
            * np.exp(-2 * alpha * layer_depth)
        )
        add_event(f"layer{index + 1}", np.arange(n_traces), layer_time, amplitude)
        perm_above = np.full(n_traces, layer.relative_permittivity)
        time_above, depth_above = layer_time, layer_depth

    # Targets and small random scatterers as point diffractors.
    # (id, x, y, depth, size, body permittivity, body thickness above: > 0 for bottom echoes)
    diffractors: list[tuple[str, float, float, float, float, float, float]] = []
    for target in targets:
        body = MATERIAL_PERMITTIVITY[target.material]
        diffractors.append(
            (target.id, target.x_m, target.y_m, target.depth_m, target.size_m, body, 0.0)
        )
        thickness = _THICKNESS_FRACTION.get(target.kind, 0.0) * target.size_m
        if thickness > 0 and math.isfinite(body):
            diffractors.append(
                (
                    f"{target.id}:bottom",
                    target.x_m,
                    target.y_m,
                    target.depth_m + thickness,
                    target.size_m,
                    body,
                    thickness,
                )
            )
    n_scatterers = int(rng.poisson(soil.scatterers_per_m * scenario.lane.length_m))
    scatter_perms = np.array([1.0, 5.0, 20.0])
    max_depth = 0.5 * c / math.sqrt(soil.relative_permittivity) * (t_axis[-1] - 2 * h_ref / c)
    for k in range(n_scatterers):
        diffractors.append(
            (
                f"scatterer-{k + 1}",
                float(rng.uniform(0.0, scenario.lane.length_m)),
                float(rng.uniform(-0.3, 0.3)),
                float(rng.uniform(0.01, max(0.02, max_depth))),
                float(rng.uniform(0.004, 0.02)),
                float(scatter_perms[rng.integers(0, 3)]),
                0.0,
            )
        )

    for ident, xt, yt, depth, size, body, thickness in diffractors:
        bottom = thickness > 0
        near = np.nonzero(np.abs(x_m - xt) <= APERTURE_HALF_WIDTH_M)[0]
        if near.size == 0:
            continue
        surface_t = float(ground.at(ground.surface_m, xt))
        eps_path = _effective_permittivity(scenario, ground, xt, depth)
        eps_host = _host_permittivity(scenario, ground, xt, depth)
        velocity = c / math.sqrt(eps_path)
        # Depth below the local surface at each trace; air gap above it.
        soil_depth = np.maximum(depth + surface[near] - surface_t, 0.0)
        offset = np.hypot(x_m[near] - xt, yt)
        one_way, air_path, soil_path = refracted_path(offset, height[near], soil_depth, velocity)
        r_target = reflection_coefficient(eps_host, body)
        if bottom:
            r_target = -r_target * (1.0 - r_target**2)
        wavelength = velocity / f0
        fresnel_radius = np.sqrt(wavelength * (air_path + soil_path) / 2.0)
        size_factor = np.minimum(1.0, size / (2.0 * fresnel_radius))
        # Antenna pattern and oblique surface transmission: cos of the ray's angle in air times
        # cos^2 of its angle in the soil, and a cosine taper over the outer 0.3 m of the
        # synthesis aperture (no truncation edge).
        cos_air = height[near] / np.maximum(air_path, 1e-9)
        cos_angle = soil_depth / np.maximum(soil_path, 1e-9)
        edge = np.clip((APERTURE_HALF_WIDTH_M - np.abs(x_m[near] - xt)) / 0.3, 0.0, 1.0)
        taper = 0.5 - 0.5 * np.cos(np.pi * edge)
        alpha = attenuation_np_per_m(soil.conductivity_s_per_m, eps_path)
        amplitude = (
            r_target
            * transmission[near]
            * size_factor
            * cos_air
            * cos_angle**2
            * taper
            * h_ref
            / (air_path + soil_path)
            * np.exp(-2.0 * alpha * soil_path)
        )
        extra_time = 0.0
        if bottom:
            # Inside the body the ray is (nearly) vertical at the body's velocity.
            extra_time = 2.0 * thickness * (math.sqrt(body) - math.sqrt(eps_path)) / c
        add_event(ident, near, 2.0 * one_way + extra_time, amplitude)

    # Volume clutter: random reflectivity correlated along the lane, below the surface.
    reflectivity = rng.standard_normal((n_traces, n_samples))
    sigma_traces = max(soil.roughness_correlation_m / gpr.trace_step_m / 4.0, 0.5)
    reflectivity = gaussian_filter1d(reflectivity, sigma_traces, axis=0)
    reflectivity /= max(float(reflectivity.std()), 1e-12)
    below = t_axis[None, :] > (surface_time[:, None] + 1.0 / f0)
    depth_decay = np.exp(-np.maximum(t_axis[None, :] - surface_time[:, None], 0.0) * f0 / 8.0)
    reflectivity *= below * depth_decay * (0.025 * soil.permittivity_variation)
    wavelet = ricker(np.arange(-16, 17) * gpr.sample_interval_s, f0)
    spectrum = np.fft.rfft(reflectivity, n=n_samples + 64, axis=1) * np.fft.rfft(
        wavelet, n=n_samples + 64
    )
    clutter = np.fft.irfft(spectrum, n=n_samples + 64, axis=1)[:, 16 : 16 + n_samples]
    data += clutter

    # Slow gain drift, then noise (after the gain: receiver noise).
    gain = 1.0 + gpr.gain_drift * smooth_noise(rng, n_traces, 2.0 / gpr.trace_step_m)
    data *= gain[:, None]
    data += gpr.noise_level * r_nominal * rng.standard_normal((n_traces, n_samples))

    counts = np.clip(np.rint(data * counts_per_unit), -32768, 32767).astype(np.int16)
    header = GprHeader(
        sample_interval_s=gpr.sample_interval_s,
        center_frequency_hz=f0,
        time_zero_s=pretrigger_s + 2.0 * gpr.antenna_height_m / c,
        trace_step_m=gpr.trace_step_m,
        traces_per_s=gpr.traces_per_s,
        antenna_height_m=gpr.antenna_height_m,
        relative_permittivity=soil.relative_permittivity,
        antenna="detsig-sim",
        source_format="detsig-sim",
        extra={"pretrigger_s": pretrigger_s},
    )
    scan = GprScan(data=counts, header=header, distance_m=x_m, name="gpr0")
    return scan, events
