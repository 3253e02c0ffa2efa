"""Metal-detector synthesis: pulse-induction time gates and VLF I/Q channels.

Every buried metal part is an isotropic magnetic dipole at the centre of an equivalent sphere
of its mass. Its signal is the product of

- a **coupling** that depends only on geometry: with coincident transmit and receive coils the
  secondary voltage is proportional to ``|B_p(r)|^2``, the square of the primary field the coil
  makes at the target (reciprocity; Das et al. 1990). For a point-dipole coil
  (``coil_radius_m = 0``) that is ``(1 + 3 cos^2 theta) / r^6``: the peak over a target falls
  with the **sixth power** of the coil-target distance, so doubling the distance divides it by
  64. A circular loop of radius ``a`` uses the exact Biot-Savart field (elliptic integrals), whose
  on-axis coupling ``(a^2 + z^2)^-3`` has the local exponent ``-6 z^2 / (z^2 + a^2)``: flatter
  than ``-6`` within about one coil radius, ``-6`` beyond;
- a **response function** of the target's size and metal. Pulse induction: the
  Pasion-Oldenburg decay ``k t^-beta exp(-t / gamma)`` (Pasion and Oldenburg 2001), with the
  late-time constant of a sphere ``gamma = mu sigma r^2 / pi^2`` (Kaufman and Keller 1985), so
  bigger and more conductive parts decay more slowly; ``beta = 0.5`` (non-ferrous) or 1
  (ferrous). VLF: the single-pole induction response ``m - i w tau / (1 + i w tau)`` whose phase
  depends on ``w tau`` (a small or poorly conducting part is "fast", a large one "slow"), plus a
  ferrous magnetisation term ``m``.

Magnetic soil adds a viscous (frequency-dependent susceptibility) response that decays as
``1/t`` in every gate (Lee 1984; Das 2006), scaled with the coil height as ``(h + h0)^-3`` (the
half-space integral of the dipole coupling) and varying along the lane with the soil. A slow
temperature drift, white noise and the sweep motion (side-to-side swing and height wobble) make
up the rest. Samples are 24-bit ADC counts stored as int32.

References
----------
.. [1] Pasion, L. R. and Oldenburg, D. W. (2001). A discrimination algorithm for UXO using time
   domain electromagnetics. J. Environ. Eng. Geophys. 6(2), 91-102.
.. [2] Das, Y., McFee, J. E., Toews, J. and Stuart, G. C. (1990). Analysis of an
   electromagnetic induction detector for real-time location of buried objects. IEEE Trans.
   Geosci. Remote Sens. 28(3), 278-288.
.. [3] Kaufman, A. A. and Keller, G. V. (1985). Inductive Mining Prospecting, Part I: Theory.
   Elsevier (decay constant of a conducting sphere).
.. [4] Lee, T. (1984). The transient electromagnetic response of a magnetic or superparamagnetic
   ground. Geophysics 49(7), 854-860.
.. [5] Das, Y. (2006). Effects of soil electromagnetic properties on metal detectors. IEEE
   Trans. Geosci. Remote Sens. 44(6), 1444-1453.
.. [6] Jackson, J. D. (1999). Classical Electrodynamics, 3rd ed., section 5.5 (field of a
   circular current loop).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ellipe, ellipk

from detsig.model import MdSeries
from detsig.sim.ground import Ground, smooth_noise
from detsig.sim.scenario import METALS, Scenario, TargetSpec

#: Vacuum permeability, H/m.
MU0_H_PER_M = 4.0e-7 * math.pi
#: Reference coil-target distance at which the coupling is 1 (on axis), m.
REFERENCE_DISTANCE_M = 0.1
#: Reference gate delay of the Pasion-Oldenburg amplitude, s.
REFERENCE_DELAY_S = 1.0e-5
#: Radius of the reference metal sphere whose response at the reference distance and delay is
#: ``TARGET_COUNTS`` counts, m.
REFERENCE_RADIUS_M = 0.005
#: Counts of the reference sphere (sensitivity 1).
TARGET_COUNTS = 470.0
#: Counts per unit susceptibility of the magnetic-soil response at the reference delay, with
#: the coil at ``SOIL_SOFTENING_M`` above the ground.
SOIL_COUNTS_PER_SUSCEPTIBILITY = 1.9e5 / 8.0
#: Finite-coil softening of the soil-response height law, m.
SOIL_SOFTENING_M = 0.03
#: Full scale of the 24-bit ADC, counts.
ADC_LIMIT_COUNTS = 2**23 - 1


def loop_coupling(
    radial_m: npt.ArrayLike, vertical_m: npt.ArrayLike, coil_radius_m: float
) -> npt.NDArray[np.float64]:
    """Coincident-coil coupling to an isotropic dipole target, normalised at 0.1 m on axis.

    ``|B(rho, z)|^2 / |B_dipole(0, 0.1 m)|^2`` for a coil whose dipole moment is that of the
    loop; the point-dipole limit (``coil_radius_m = 0``) is ``(1 + 3 cos^2 theta) / 4 *
    (0.1 / r)^6``.

    Parameters
    ----------
    radial_m : array_like
        Horizontal distance between coil centre and target, m.
    vertical_m : array_like
        Vertical distance between coil plane and target, m (> 0).
    coil_radius_m : float
        Loop radius, m (0: point dipole).

    Returns
    -------
    ndarray
        Coupling, dimensionless, broadcast shape of the inputs.

    References
    ----------
    .. [1] Das, Y. et al. (1990). IEEE Trans. Geosci. Remote Sens. 28(3), 278-288.
    .. [2] Jackson, J. D. (1999). Classical Electrodynamics, 3rd ed., section 5.5.
    """
    rho = np.abs(np.asarray(radial_m, dtype=np.float64))
    z = np.maximum(np.abs(np.asarray(vertical_m, dtype=np.float64)), 1e-4)
    r2 = rho * rho + z * z
    ref = REFERENCE_DISTANCE_M
    if coil_radius_m <= 1e-6:
        cos2 = z * z / r2
        return np.asarray((1.0 + 3.0 * cos2) / 4.0 * (ref * ref / r2) ** 3)
    a = coil_radius_m
    # Field of a unit-current loop in units mu0 / (4 pi) = 1 (Jackson 1999, 5.5).
    denom = (a + rho) ** 2 + z * z
    m = np.clip(4.0 * a * rho / denom, 0.0, 1.0 - 1e-12)
    k_int, e_int = ellipk(m), ellipe(m)
    near = (a - rho) ** 2 + z * z
    b_z = 2.0 / np.sqrt(denom) * (k_int + (a * a - rho * rho - z * z) / near * e_int)
    safe_rho = np.maximum(rho, 1e-9)
    b_rho = np.where(
        rho > 1e-9,
        2.0
        * z
        / (safe_rho * np.sqrt(denom))
        * (-k_int + (a * a + rho * rho + z * z) / near * e_int),
        0.0,
    )
    moment = math.pi * a * a
    reference_field = 2.0 * moment / ref**3
    return np.asarray((b_z * b_z + b_rho * b_rho) / reference_field**2)


def equivalent_radius_m(metal: str, mass_g: float) -> float:
    """Radius of a sphere of ``metal`` with mass ``mass_g``, m (0 when there is no metal).

    Parameters
    ----------
    metal : str
        A key of :data:`METALS` (``"steel"``, ``"aluminium"``, ... or ``"none"``).
    mass_g : float
        Metal mass, g.

    Returns
    -------
    float
        ``(3 m / (4 pi rho))^(1/3)``, m.

    Raises
    ------
    KeyError
        If ``metal`` is not a key of :data:`METALS`.
    """
    density = METALS[metal][2]
    if metal == "none" or mass_g <= 0:
        return 0.0
    return (3.0 * mass_g * 1e-3 / (4.0 * math.pi * density)) ** (1.0 / 3.0)


@dataclass(frozen=True)
class MetalResponse:
    """The induction response parameters of one target.

    Parameters
    ----------
    radius_m : float
        Equivalent sphere radius of the metal, m.
    time_constant_s : float
        Late-time decay constant ``gamma = mu sigma r^2 / pi^2``, s.
    beta : float
        Early-time power-law exponent of the Pasion-Oldenburg model.
    magnetisation : float
        Ferrous in-phase term ``(mu_r - 1) / (mu_r + 2)`` of the VLF response.
    amplitude_counts : float
        Pasion-Oldenburg ``k`` at the reference delay and coupling 1, counts.
    """

    radius_m: float
    time_constant_s: float
    beta: float
    magnetisation: float
    amplitude_counts: float

    def pi_decay(self, delays_s: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Pasion-Oldenburg decay at the gate delays, counts at coupling 1.

        Parameters
        ----------
        delays_s : array_like
            Gate delays after the transmitter switch-off, s (> 0).

        Returns
        -------
        ndarray of float64, same shape as ``delays_s``
            ``k (t / t_ref)^-beta exp(-(t - t_ref) / gamma)``, counts; zeros when there is no
            metal.

        References
        ----------
        .. [1] Pasion, L. R. and Oldenburg, D. W. (2001). A discrimination algorithm for UXO using
           time domain electromagnetics. Journal of Environmental and Engineering Geophysics
           6(2), 91-102.
        """
        t = np.asarray(delays_s, dtype=np.float64)
        if self.radius_m <= 0:
            return np.zeros_like(t)
        shape = (t / REFERENCE_DELAY_S) ** (-self.beta) * np.exp(
            -(t - REFERENCE_DELAY_S) / self.time_constant_s
        )
        return np.asarray(self.amplitude_counts * shape)

    def vlf_response(self, frequency_hz: float) -> complex:
        """Complex VLF response (in-phase + j quadrature) at coupling 1, counts.

        Parameters
        ----------
        frequency_hz : float
            Transmitter frequency, Hz.

        Returns
        -------
        complex
            In-phase (real) and quadrature (imaginary, positive for conductors) response, counts;
            0 when there is no metal.
        """
        if self.radius_m <= 0:
            return 0j
        wt = 2.0 * math.pi * frequency_hz * self.time_constant_s
        induction = (wt * wt + 1j * wt) / (1.0 + wt * wt)
        value = self.magnetisation - induction
        # Quadrature is reported positive for conductors (a common detector convention).
        return complex(value.real, -value.imag) * self.amplitude_counts

    def vlf_phase_deg(self, frequency_hz: float) -> float:
        """Phase of the VLF response, degrees (atan2 of quadrature over in-phase).

        Parameters
        ----------
        frequency_hz : float
            Transmitter frequency, Hz.

        Returns
        -------
        float
            Phase, degrees in (-180, 180]; 0 when the response is 0.
        """
        value = self.vlf_response(frequency_hz)
        return math.degrees(math.atan2(value.imag, value.real)) if value else 0.0


def metal_response(target: TargetSpec, sensitivity: float = 1.0) -> MetalResponse:
    """Induction response parameters of a target from its metal and metal mass.

    The amplitude scales with the metal volume (``r^3``, the dipole moment of a sphere) and
    the decay constant with ``mu sigma r^2 / pi^2`` (Kaufman and Keller 1985).

    Parameters
    ----------
    target : TargetSpec
        The target; its ``metal`` and ``metal_mass_g`` are used.
    sensitivity : float
        Detector gain factor scaling the amplitude (1 for the reference detector).

    Returns
    -------
    MetalResponse
        The parameters; all-zero amplitude for a target without metal.

    References
    ----------
    .. [1] Kaufman, A. A. and Keller, G. V. (1985). *Inductive Mining Prospecting, Part I:
       Theory*. Elsevier.
    """
    radius = equivalent_radius_m(target.metal, target.metal_mass_g)
    sigma, mu_r, _ = METALS[target.metal]
    if radius <= 0:
        return MetalResponse(0.0, 1e-9, 0.5, 0.0, 0.0)
    gamma = MU0_H_PER_M * mu_r * sigma * radius**2 / math.pi**2
    ferrous = mu_r > 1.0
    return MetalResponse(
        radius_m=radius,
        time_constant_s=max(gamma, 1e-7),
        beta=1.0 if ferrous else 0.5,
        magnetisation=(mu_r - 1.0) / (mu_r + 2.0),
        amplitude_counts=sensitivity * TARGET_COUNTS * (radius / REFERENCE_RADIUS_M) ** 3,
    )


@dataclass(frozen=True)
class MdMotion:
    """Where the coil was at every frame.

    Parameters
    ----------
    x_m, y_m : ndarray, shape (n_frames,)
        Along-lane position and across-lane sweep offset, m.
    height_m : ndarray, shape (n_frames,)
        Coil height above the local ground surface, m.
    temperature_c : ndarray, shape (n_frames,)
        Electronics temperature, degrees Celsius (drives the drift).
    """

    x_m: npt.NDArray[np.float64]
    y_m: npt.NDArray[np.float64]
    height_m: npt.NDArray[np.float64]
    temperature_c: npt.NDArray[np.float64]


def synthesize_md(
    scenario: Scenario,
    targets: tuple[TargetSpec, ...],
    ground: Ground,
    rng: np.random.Generator,
) -> tuple[MdSeries, MdMotion]:
    """Synthesise the metal-detector series of a lane.

    Parameters
    ----------
    scenario : Scenario
        Lane, soil and detector settings (``md.kind`` ``"pi"`` or ``"vlf"``).
    targets : tuple of TargetSpec
        The lane's objects.
    ground : Ground
        Surface height and susceptibility profiles.
    rng : numpy.random.Generator
        Source of randomness for motion jitter, drift and noise.

    Returns
    -------
    series : MdSeries
        int32 counts, shape (n_frames, n_channels): one channel per PI gate (``gate0`` ...)
        or ``I`` and ``Q``; ``distance_m`` is the along-lane position of each frame.
    motion : MdMotion
        Coil position, height and temperature per frame.
    """
    md = scenario.md
    length = scenario.lane.length_m
    n_frames = math.floor(length / md.speed_m_per_s * md.sample_rate_hz + 1e-9) + 1
    t = np.arange(n_frames, dtype=np.float64) / md.sample_rate_hz
    corr_frames = md.sample_rate_hz * 0.5
    # Walking speed varies by a few percent; keep the lane end exact.
    pace = 1.0 + 0.05 * smooth_noise(rng, n_frames, corr_frames)
    x = np.concatenate([[0.0], np.cumsum(pace[1:])])
    x *= length / x[-1] if n_frames > 1 else 0.0
    phase = float(rng.uniform(0, 2 * math.pi))
    y = md.sweep_amplitude_m * np.sin(2 * math.pi * md.sweep_hz * t + phase)
    surface = ground.at(ground.surface_m, x)
    wobble = md.height_wobble_m * np.cos(4 * math.pi * md.sweep_hz * t + phase)
    height = np.maximum(md.coil_height_m + wobble - surface, 0.002)
    coil_z = md.coil_height_m + wobble  # above the mean surface
    temperature = 25.0 + 1.5 * smooth_noise(rng, n_frames, md.sample_rate_hz * 8.0) + 0.02 * t

    # Geometry factor of every target at every frame (only frames within 1.5 m).
    delays = np.asarray(md.gate_delays_s)
    if md.kind == "pi":
        names = [f"gate{k}" for k in range(delays.size)]
        signal = np.zeros((n_frames, delays.size))
    else:
        names = ["I", "Q"]
        signal = np.zeros((n_frames, 2))
    for target in targets:
        response = metal_response(target, md.sensitivity)
        if response.radius_m <= 0:
            continue
        near = np.nonzero(np.abs(x - target.x_m) < 1.5)[0]
        if near.size == 0:
            continue
        centre_z = (
            float(ground.at(ground.surface_m, target.x_m)) - target.depth_m - response.radius_m
        )
        coupling = loop_coupling(
            np.hypot(x[near] - target.x_m, y[near] - target.y_m),
            coil_z[near] - centre_z,
            md.coil_radius_m,
        )
        if md.kind == "pi":
            signal[near] += coupling[:, None] * response.pi_decay(delays)[None, :]
        else:
            value = response.vlf_response(md.frequency_hz)
            signal[near, 0] += coupling * value.real
            signal[near, 1] += coupling * value.imag

    # Magnetic soil: viscous 1/t decay (PI) or in-phase-dominated response (VLF).
    chi = ground.at(ground.susceptibility, x)
    soil_geometry = (
        (REFERENCE_DISTANCE_M / 2 + SOIL_SOFTENING_M) / (height + SOIL_SOFTENING_M)
    ) ** 3
    soil_level = md.sensitivity * SOIL_COUNTS_PER_SUSCEPTIBILITY * chi * soil_geometry
    if md.kind == "pi":
        signal += soil_level[:, None] * (REFERENCE_DELAY_S / delays)[None, :]
        drift_shape = np.sqrt(REFERENCE_DELAY_S / delays)
    else:
        # Total susceptibility ~ 20x its viscous part; quadrature ~ (pi/2) x viscous part.
        signal[:, 0] += 20.0 * soil_level
        signal[:, 1] += 0.5 * math.pi * soil_level
        drift_shape = np.array([1.0, 0.3])
    drift = md.drift_counts * (
        (temperature - 25.0)[:, None] * drift_shape[None, :]
        + 0.2
        * np.stack(
            [smooth_noise(rng, n_frames, md.sample_rate_hz * 3.0) for _ in drift_shape], axis=1
        )
    )
    baseline = 2000.0 * drift_shape[None, :]
    noise = md.noise_counts * rng.standard_normal(signal.shape)
    total = baseline + signal + drift + noise
    counts = np.clip(np.rint(total), -ADC_LIMIT_COUNTS, ADC_LIMIT_COUNTS).astype(np.int32)
    series = MdSeries(
        data=counts,
        sample_rate_hz=md.sample_rate_hz,
        channel_names=tuple(names),
        units="adc_counts",
        distance_m=x,
        gate_delays_s=tuple(float(d) for d in delays) if md.kind == "pi" else (),
        name="md0",
    )
    return series, MdMotion(x_m=x, y_m=y, height_m=height, temperature_c=temperature)


def full_width_half_maximum(profile: npt.ArrayLike, spacing_m: float) -> float:
    """Full width at half maximum of a single-peaked profile, m (linear interpolation).

    Parameters
    ----------
    profile : array_like, shape (n,)
        Response along a line through the peak, baseline removed, peak positive.
    spacing_m : float
        Distance between samples, m.

    Returns
    -------
    float
        Width between the two half-maximum crossings around the largest sample, m; NaN when
        the profile does not fall to half its maximum on both sides.
    """
    values = np.asarray(profile, dtype=np.float64)
    peak = int(np.argmax(values))
    half = values[peak] / 2.0
    below = np.nonzero(values[:peak] <= half)[0]
    above = np.nonzero(values[peak:] <= half)[0]
    if values[peak] <= 0 or below.size == 0 or above.size == 0:
        return math.nan
    left = int(below[-1])
    right = peak + int(above[0])
    x_left = left + (half - values[left]) / (values[left + 1] - values[left])
    x_right = right - (half - values[right]) / (values[right - 1] - values[right])
    return float((x_right - x_left) * spacing_m)
