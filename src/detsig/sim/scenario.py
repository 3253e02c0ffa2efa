"""Simulation scenarios: the TOML description of a test lane, validated with clear errors.

A scenario says how long and wide the lane is, what the soil is like, how the GPR and the
metal detector are set up, and which objects are buried: explicitly (``[[targets]]``) or drawn
at random positions from the seed (``[[populate]]``). The named library ships in
``detsig/sim/scenarios/*.toml``; :func:`list_scenarios` names them and :func:`load_scenario`
reads a name or a path. Every mistake raises :class:`~detsig.errors.ScenarioError` with one
sentence naming the file, the table, the key and what was expected.

The TOML layout (every table and key is optional unless marked; defaults in the dataclasses)::

    name = "standard"
    description = "..."
    [lane]      length_m, swept_width_m, min_spacing_m, margin_m
    [soil]      relative_permittivity, conductivity_s_per_m, permittivity_variation,
                roughness_m, roughness_correlation_m, scatterers_per_m,
                magnetic_susceptibility, susceptibility_variation
    [[soil.layers]]  depth_m (required), relative_permittivity (required), undulation_m
    [gpr]       center_frequency_hz, n_samples, sample_interval_s, trace_step_m, traces_per_s,
                antenna_height_m, noise_level, gain_drift, direct_coupling, full_scale_counts
    [md]        kind ("pi" | "vlf"), sample_rate_hz, speed_m_per_s, coil_height_m,
                coil_radius_m, sweep_amplitude_m, sweep_hz, height_wobble_m,
                gate_delays_s, frequency_hz, noise_counts, drift_counts, sensitivity
    [[targets]] class, kind (required), x_m (required), y_m, depth_m (required), size_m,
                material, metal, metal_mass_g, id
    [[populate]] kind (required), count (required), class, depth_m = [min, max],
                y_m = [min, max], size_m = [min, max], metal_mass_g = [min, max], material, metal
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from detsig.errors import ScenarioError

#: Kinds of buried object and their class when the scenario does not say.
TARGET_KINDS: dict[str, str] = {
    "ap-plastic": "mine",
    "ap-metal": "mine",
    "at": "mine",
    "uxo": "mine",
    "shrapnel": "clutter",
    "nail": "clutter",
    "cartridge": "clutter",
    "rock": "clutter",
    "void": "clutter",
    "root": "clutter",
}

#: GPR material of an object body: relative permittivity (``inf`` = perfect conductor).
MATERIAL_PERMITTIVITY: dict[str, float] = {
    "metal": math.inf,
    "plastic": 3.0,
    "tnt": 2.9,
    "rock": 5.0,
    "air": 1.0,
    "wood": 20.0,
}

#: Metals seen by the metal detector: (conductivity S/m, effective relative permeability,
#: density kg/m^3). Effective permeability of a compact ferrous part is limited by its
#: demagnetising factor (about 3 for a sphere), hence small values for steel.
METALS: dict[str, tuple[float, float, float]] = {
    "none": (0.0, 1.0, 1.0),
    "steel": (6.0e6, 3.0, 7850.0),
    "stainless": (1.4e6, 1.0, 8000.0),
    "aluminium": (3.5e7, 1.0, 2700.0),
    "copper": (5.8e7, 1.0, 8960.0),
    "brass": (1.6e7, 1.0, 8500.0),
}

#: Per-kind defaults: size_m, body material, metal, metal_mass_g.
KIND_DEFAULTS: dict[str, tuple[float, str, str, float]] = {
    "ap-plastic": (0.08, "plastic", "steel", 0.6),
    "ap-metal": (0.08, "metal", "steel", 120.0),
    "at": (0.30, "plastic", "steel", 4.0),
    "uxo": (0.08, "metal", "steel", 400.0),
    "shrapnel": (0.03, "metal", "steel", 4.0),
    "nail": (0.05, "metal", "steel", 2.0),
    "cartridge": (0.04, "metal", "brass", 5.0),
    "rock": (0.06, "rock", "none", 0.0),
    "void": (0.05, "air", "none", 0.0),
    "root": (0.03, "wood", "none", 0.0),
}


@dataclass(frozen=True)
class Lane:
    """Extent of the lane.

    Parameters
    ----------
    length_m : float
        Along-lane length surveyed, m.
    swept_width_m : float
        Width swept across the lane, m (for false alarms per square metre).
    min_spacing_m : float
        Smallest along-lane distance between two populated targets, m.
    margin_m : float
        No populated target closer than this to either lane end, m.
    """

    length_m: float = 10.0
    swept_width_m: float = 0.5
    min_spacing_m: float = 0.6
    margin_m: float = 0.5


@dataclass(frozen=True)
class SoilLayer:
    """A horizontal soil interface below the surface.

    Parameters
    ----------
    depth_m : float
        Mean depth of the interface, m.
    relative_permittivity : float
        Permittivity of the soil below the interface.
    undulation_m : float
        Standard deviation of the interface depth along the lane, m.
    """

    depth_m: float
    relative_permittivity: float
    undulation_m: float = 0.01


@dataclass(frozen=True)
class Soil:
    """Electrical and magnetic properties of the ground.

    Parameters
    ----------
    relative_permittivity : float
        Relative permittivity of the top soil (sets the radar velocity ``c / sqrt(eps_r)``).
    conductivity_s_per_m : float
        Electrical conductivity, S/m (sets the radar attenuation).
    permittivity_variation : float
        Relative standard deviation of permittivity along the lane (heterogeneity).
    roughness_m : float
        Root-mean-square height of the ground surface, m.
    roughness_correlation_m : float
        Correlation length of the surface height and of the heterogeneity, m.
    scatterers_per_m : float
        Mean number of small random scatterers (stones, roots, voids) per metre of lane.
    magnetic_susceptibility : float
        Frequency-dependent (viscous) magnetic susceptibility of the soil, SI; it makes the
        ~1/t soil response of a pulse-induction detector.
    susceptibility_variation : float
        Relative standard deviation of that susceptibility along the lane.
    layers : tuple of SoilLayer
        Interfaces below the surface, shallowest first.
    """

    relative_permittivity: float = 9.0
    conductivity_s_per_m: float = 0.01
    permittivity_variation: float = 0.03
    roughness_m: float = 0.005
    roughness_correlation_m: float = 0.3
    scatterers_per_m: float = 3.0
    magnetic_susceptibility: float = 2.0e-5
    susceptibility_variation: float = 0.3
    layers: tuple[SoilLayer, ...] = ()


@dataclass(frozen=True)
class GprSettings:
    """The radar and how it moves.

    Parameters
    ----------
    center_frequency_hz : float
        Antenna centre frequency, Hz (the Ricker wavelet's peak frequency).
    n_samples : int
        Samples per trace.
    sample_interval_s : float
        Time between samples, s.
    trace_step_m : float
        Distance between traces along the lane, m.
    traces_per_s : float
        Trace rate, Hz (sets the emulator's pace; speed = trace_step_m * traces_per_s).
    antenna_height_m : float
        Height of the antenna above the mean ground surface, m.
    noise_level : float
        Standard deviation of additive noise as a fraction of the ground reflection amplitude.
    gain_drift : float
        Relative standard deviation of the slow receiver gain drift along the lane.
    direct_coupling : float
        Amplitude of the transmitter-receiver direct wave relative to the ground reflection.
    full_scale_counts : float
        Integer counts of the ground-surface reflection amplitude (int16 output).
    """

    center_frequency_hz: float = 1.0e9
    n_samples: int = 256
    sample_interval_s: float = 5.0e-11
    trace_step_m: float = 0.01
    traces_per_s: float = 100.0
    antenna_height_m: float = 0.05
    noise_level: float = 0.004
    gain_drift: float = 0.02
    direct_coupling: float = 1.5
    full_scale_counts: float = 8000.0


@dataclass(frozen=True)
class MdSettings:
    """The metal detector and how it is swept.

    Parameters
    ----------
    kind : {"pi", "vlf"}
        Pulse induction (one channel per time gate) or continuous-wave VLF (I and Q channels).
    sample_rate_hz : float
        Frames per second, Hz.
    speed_m_per_s : float
        Forward speed along the lane, m/s.
    coil_height_m : float
        Height of the coil above the mean ground surface, m.
    coil_radius_m : float
        Radius of the (coincident transmit/receive) loop, m; 0 is a point magnetic dipole.
    sweep_amplitude_m : float
        Half-width of the side-to-side sweep across the lane, m (0: straight line).
    sweep_hz : float
        Sweep frequency, Hz (one full left-right-left cycle per period).
    height_wobble_m : float
        Amplitude of the coil height variation that comes with sweeping, m.
    gate_delays_s : tuple of float
        Pulse-induction gate delays after the pulse end, s.
    frequency_hz : float
        VLF transmit frequency, Hz.
    noise_counts : float
        Standard deviation of the additive noise, counts.
    drift_counts : float
        Scale of the slow temperature drift, counts.
    sensitivity : float
        Counts of a unit reference response (scales every target and soil term).
    """

    kind: str = "pi"
    sample_rate_hz: float = 500.0
    speed_m_per_s: float = 0.5
    coil_height_m: float = 0.02
    coil_radius_m: float = 0.0
    sweep_amplitude_m: float = 0.05
    sweep_hz: float = 1.0
    height_wobble_m: float = 0.005
    gate_delays_s: tuple[float, ...] = (1.0e-5, 3.0e-5, 1.0e-4, 3.0e-4)
    frequency_hz: float = 1.5e4
    noise_counts: float = 4.0
    drift_counts: float = 30.0
    sensitivity: float = 1.0


@dataclass(frozen=True)
class TargetSpec:
    """One buried object as the scenario describes it.

    Parameters
    ----------
    id : str
        Identifier unique within the lane.
    target_class : {"mine", "clutter"}
        Whether a deminer must find it.
    kind : str
        One of :data:`TARGET_KINDS`.
    x_m, y_m : float
        Along-lane position and across-lane offset of the centre, m.
    depth_m : float
        Depth of the top below the ground surface, m.
    size_m : float
        Largest horizontal dimension, m.
    material : str
        GPR body material, a key of :data:`MATERIAL_PERMITTIVITY`.
    metal : str
        Metal the detector sees, a key of :data:`METALS`.
    metal_mass_g : float
        Mass of that metal, g (0 for none).
    """

    id: str
    target_class: str
    kind: str
    x_m: float
    depth_m: float
    size_m: float
    material: str
    metal: str
    metal_mass_g: float
    y_m: float = 0.0


@dataclass(frozen=True)
class PopulateSpec:
    """A rule that places ``count`` objects of a kind at random positions (seeded).

    Ranges are ``(min, max)`` and drawn uniformly.
    """

    kind: str
    count: int
    target_class: str
    depth_m: tuple[float, float]
    y_m: tuple[float, float]
    size_m: tuple[float, float]
    metal_mass_g: tuple[float, float]
    material: str
    metal: str


@dataclass(frozen=True)
class Scenario:
    """A complete lane description.

    Parameters
    ----------
    name : str
        Short name (the library file's stem).
    description : str
        One or two sentences for ``detsig simulate --list``.
    lane, soil, gpr, md
        The lane extent, the ground and the two sensors.
    targets : tuple of TargetSpec
        Objects at fixed positions.
    populate : tuple of PopulateSpec
        Rules placing further objects at random positions drawn from the seed.
    source : str
        Where the scenario came from (library name or file path), for messages.
    """

    name: str
    description: str = ""
    lane: Lane = field(default_factory=Lane)
    soil: Soil = field(default_factory=Soil)
    gpr: GprSettings = field(default_factory=GprSettings)
    md: MdSettings = field(default_factory=MdSettings)
    targets: tuple[TargetSpec, ...] = ()
    populate: tuple[PopulateSpec, ...] = ()
    source: str = ""

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some top-level fields replaced (``lane=``, ``soil=`` ...).

        Parameters
        ----------
        **changes
            Field name -> new value, as for :func:`dataclasses.replace` (not validated again).

        Returns
        -------
        Scenario
            The new scenario; this one is unchanged.
        """
        return dataclasses.replace(self, **changes)


# --------------------------------------------------------------------------------------------
# Parsing and validation


class _Checker:
    """Reads typed values out of a TOML table, raising one clear sentence per mistake."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ScenarioError:
        return ScenarioError(f"scenario {self.source}: {where}{message}")

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(where, f"'{key}' must be a table, got {_show(value)}")
        return value

    def keys(self, data: Mapping[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(
                where,
                f"unknown key '{unknown[0]}' (allowed: {', '.join(sorted(allowed))})",
            )

    def number(
        self,
        data: Mapping[str, Any],
        key: str,
        default: float,
        where: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_min: bool = False,
        required: bool = False,
    ) -> float:
        if key not in data:
            if required:
                raise self.fail(where, f"'{key}' is required")
            return float(default)
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"'{key}' must be a number, got {_show(value)}")
        value = float(value)
        bad = not math.isfinite(value)
        if minimum is not None:
            bad = bad or (value <= minimum if exclusive_min else value < minimum)
        if maximum is not None:
            bad = bad or value > maximum
        if bad:
            bounds = []
            if minimum is not None:
                bounds.append(f"{'>' if exclusive_min else '>='} {minimum:g}")
            if maximum is not None:
                bounds.append(f"<= {maximum:g}")
            rule = " and ".join(bounds) if bounds else "finite"
            raise self.fail(where, f"'{key}' must be {rule}, got {value:g}")
        return value

    def integer(
        self, data: Mapping[str, Any], key: str, default: int, where: str, *, minimum: int
    ) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"'{key}' must be a whole number, got {_show(value)}")
        if value < minimum:
            raise self.fail(where, f"'{key}' must be >= {minimum}, got {value}")
        return int(value)

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        default: str,
        where: str,
        *,
        choices: Mapping[str, Any] | tuple[str, ...] | None = None,
        required: bool = False,
    ) -> str:
        if key not in data and required:
            raise self.fail(where, f"'{key}' is required")
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(where, f"'{key}' must be a string, got {_show(value)}")
        if choices is not None and value not in choices:
            raise self.fail(
                where, f"'{key}' = {value!r} is not one of {', '.join(sorted(choices))}"
            )
        return value

    def span(
        self,
        data: Mapping[str, Any],
        key: str,
        default: tuple[float, float],
        where: str,
        *,
        minimum: float,
    ) -> tuple[float, float]:
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = [value, value]
        if (
            not isinstance(value, list)
            or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value)
        ):
            raise self.fail(where, f"'{key}' must be a number or [min, max], got {_show(value)}")
        low, high = float(value[0]), float(value[1])
        if not (math.isfinite(low) and math.isfinite(high)) or low > high or low < minimum:
            raise self.fail(
                where, f"'{key}' must be [min, max] with {minimum:g} <= min <= max, got {value}"
            )
        return (low, high)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _field_names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _parse_simple(
    check: _Checker, table: Mapping[str, Any], cls: type, where: str, rules: dict[str, Any]
) -> Any:
    """Build a flat dataclass of numbers from a table, with per-key bounds ``rules``."""
    defaults = cls()
    values: dict[str, Any] = {}
    for name, rule in rules.items():
        default = getattr(defaults, name)
        if rule == "int":
            values[name] = check.integer(table, name, default, where, minimum=1)
        else:
            minimum, exclusive, maximum = rule
            values[name] = check.number(
                table,
                name,
                default,
                where,
                minimum=minimum,
                exclusive_min=exclusive,
                maximum=maximum,
            )
    return values


def scenario_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> Scenario:
    """Validate a parsed TOML document and build the :class:`Scenario`.

    Parameters
    ----------
    data : mapping
        The TOML document as ``tomllib`` returns it.
    source : str
        Name used in error messages (file path or library name).

    Returns
    -------
    Scenario
        The validated scenario, defaults filled in.

    Raises
    ------
    ScenarioError
        One sentence naming the table, the key, the bad value and what was expected.
    """
    check = _Checker(source)
    check.keys(
        data, {"name", "description", "lane", "soil", "gpr", "md", "targets", "populate"}, ""
    )
    name = check.text(data, "name", Path(source).stem if source else "scenario", "")
    description = check.text(data, "description", "", "")

    lane_table = check.table(data, "lane", "")
    check.keys(lane_table, _field_names(Lane), "[lane] ")
    lane = Lane(
        **_parse_simple(
            check,
            lane_table,
            Lane,
            "[lane] ",
            {
                "length_m": (0.0, True, 1000.0),
                "swept_width_m": (0.0, True, 100.0),
                "min_spacing_m": (0.0, False, 100.0),
                "margin_m": (0.0, False, 100.0),
            },
        )
    )

    soil = _parse_soil(check, check.table(data, "soil", ""))
    gpr = _parse_gpr(check, check.table(data, "gpr", ""))
    md = _parse_md(check, check.table(data, "md", ""))

    raw_targets = data.get("targets", [])
    if not isinstance(raw_targets, list):
        raise check.fail("", "'targets' must be an array of tables ([[targets]])")
    targets = tuple(_parse_target(check, row, index, lane) for index, row in enumerate(raw_targets))
    ids = [t.id for t in targets]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise check.fail("[[targets]] ", f"id {duplicates[0]!r} is used more than once")

    raw_populate = data.get("populate", [])
    if not isinstance(raw_populate, list):
        raise check.fail("", "'populate' must be an array of tables ([[populate]])")
    populate = tuple(_parse_populate(check, row, index) for index, row in enumerate(raw_populate))
    return Scenario(
        name=name,
        description=description,
        lane=lane,
        soil=soil,
        gpr=gpr,
        md=md,
        targets=targets,
        populate=populate,
        source=source,
    )


def _parse_soil(check: _Checker, table: Mapping[str, Any]) -> Soil:
    where = "[soil] "
    check.keys(table, _field_names(Soil), where)
    values = _parse_simple(
        check,
        table,
        Soil,
        where,
        {
            "relative_permittivity": (1.0, False, 100.0),
            "conductivity_s_per_m": (0.0, False, 2.0),
            "permittivity_variation": (0.0, False, 0.5),
            "roughness_m": (0.0, False, 0.1),
            "roughness_correlation_m": (0.0, True, 10.0),
            "scatterers_per_m": (0.0, False, 200.0),
            "magnetic_susceptibility": (0.0, False, 0.1),
            "susceptibility_variation": (0.0, False, 2.0),
        },
    )
    raw_layers = table.get("layers", [])
    if not isinstance(raw_layers, list):
        raise check.fail(where, "'layers' must be an array of tables ([[soil.layers]])")
    layers = []
    for index, row in enumerate(raw_layers):
        at = f"[[soil.layers]] #{index + 1} "
        if not isinstance(row, Mapping):
            raise check.fail(at, "must be a table")
        check.keys(row, _field_names(SoilLayer), at)
        layers.append(
            SoilLayer(
                depth_m=check.number(
                    row, "depth_m", 0, at, minimum=0, exclusive_min=True, maximum=5.0, required=True
                ),
                relative_permittivity=check.number(
                    row,
                    "relative_permittivity",
                    0,
                    at,
                    minimum=1.0,
                    maximum=100.0,
                    required=True,
                ),
                undulation_m=check.number(row, "undulation_m", 0.01, at, minimum=0.0, maximum=0.5),
            )
        )
    depths = [layer.depth_m for layer in layers]
    if depths != sorted(depths):
        raise check.fail(where, "layers must be listed shallowest first (increasing depth_m)")
    return Soil(layers=tuple(layers), **values)


def _parse_gpr(check: _Checker, table: Mapping[str, Any]) -> GprSettings:
    where = "[gpr] "
    check.keys(table, _field_names(GprSettings), where)
    values = _parse_simple(
        check,
        table,
        GprSettings,
        where,
        {
            "center_frequency_hz": (1.0e7, False, 1.0e10),
            "n_samples": "int",
            "sample_interval_s": (1.0e-12, False, 1.0e-8),
            "trace_step_m": (1.0e-4, False, 1.0),
            "traces_per_s": (0.1, False, 1.0e5),
            "antenna_height_m": (0.0, False, 2.0),
            "noise_level": (0.0, False, 10.0),
            "gain_drift": (0.0, False, 0.5),
            "direct_coupling": (0.0, False, 10.0),
            "full_scale_counts": (1.0, False, 30000.0),
        },
    )
    if values["n_samples"] > 8192:
        raise check.fail(where, f"'n_samples' must be <= 8192, got {values['n_samples']}")
    nyquist_interval = 1.0 / (2.5 * values["center_frequency_hz"] * 2)
    if values["sample_interval_s"] > nyquist_interval:
        raise check.fail(
            where,
            f"'sample_interval_s' = {values['sample_interval_s']:g} s undersamples a "
            f"{values['center_frequency_hz']:g} Hz wavelet; use <= {nyquist_interval:.3g} s",
        )
    return GprSettings(**values)


def _parse_md(check: _Checker, table: Mapping[str, Any]) -> MdSettings:
    where = "[md] "
    check.keys(table, _field_names(MdSettings), where)
    kind = check.text(table, "kind", "pi", where, choices=("pi", "vlf"))
    values = _parse_simple(
        check,
        table,
        MdSettings,
        where,
        {
            "sample_rate_hz": (1.0, False, 1.0e5),
            "speed_m_per_s": (0.0, True, 10.0),
            "coil_height_m": (0.0, False, 1.0),
            "coil_radius_m": (0.0, False, 1.0),
            "sweep_amplitude_m": (0.0, False, 2.0),
            "sweep_hz": (0.0, False, 20.0),
            "height_wobble_m": (0.0, False, 0.5),
            "frequency_hz": (100.0, False, 1.0e6),
            "noise_counts": (0.0, False, 1.0e4),
            "drift_counts": (0.0, False, 1.0e4),
            "sensitivity": (0.0, True, 1.0e6),
        },
    )
    gates = table.get("gate_delays_s", list(MdSettings().gate_delays_s))
    if (
        not isinstance(gates, list)
        or not gates
        or len(gates) > 64
        or any(isinstance(g, bool) or not isinstance(g, int | float) for g in gates)
    ):
        raise check.fail(
            where, f"'gate_delays_s' must be a list of 1-64 numbers, got {_show(gates)}"
        )
    gates_f = [float(g) for g in gates]
    if any(not (1e-7 <= g <= 0.1) for g in gates_f) or gates_f != sorted(set(gates_f)):
        raise check.fail(
            where, "'gate_delays_s' must increase strictly and lie between 1e-7 and 0.1 s"
        )
    if values["coil_height_m"] + 1e-3 < values["height_wobble_m"]:
        raise check.fail(where, "'height_wobble_m' must be smaller than 'coil_height_m'")
    return MdSettings(kind=kind, gate_delays_s=tuple(gates_f), **values)


_TARGET_KEYS = {
    "id",
    "class",
    "kind",
    "x_m",
    "y_m",
    "depth_m",
    "size_m",
    "material",
    "metal",
    "metal_mass_g",
}


def _parse_target(check: _Checker, row: Any, index: int, lane: Lane) -> TargetSpec:
    at = f"[[targets]] #{index + 1} "
    if not isinstance(row, Mapping):
        raise check.fail(at, "must be a table")
    check.keys(row, _TARGET_KEYS, at)
    kind = check.text(row, "kind", "", at, choices=TARGET_KINDS, required=True)
    size, material, metal, mass = KIND_DEFAULTS[kind]
    return TargetSpec(
        id=check.text(row, "id", f"t{index + 1}", at),
        target_class=check.text(row, "class", TARGET_KINDS[kind], at, choices=("mine", "clutter")),
        kind=kind,
        x_m=check.number(row, "x_m", 0, at, minimum=0.0, maximum=lane.length_m, required=True),
        y_m=check.number(row, "y_m", 0.0, at, minimum=-10.0, maximum=10.0),
        depth_m=check.number(row, "depth_m", 0, at, minimum=0.0, maximum=2.0, required=True),
        size_m=check.number(row, "size_m", size, at, minimum=0.0, exclusive_min=True, maximum=3.0),
        material=check.text(row, "material", material, at, choices=MATERIAL_PERMITTIVITY),
        metal=check.text(row, "metal", metal, at, choices=METALS),
        metal_mass_g=check.number(row, "metal_mass_g", mass, at, minimum=0.0, maximum=1.0e5),
    )


def _parse_populate(check: _Checker, row: Any, index: int) -> PopulateSpec:
    at = f"[[populate]] #{index + 1} "
    if not isinstance(row, Mapping):
        raise check.fail(at, "must be a table")
    check.keys(
        row,
        {"kind", "count", "class", "depth_m", "y_m", "size_m", "metal_mass_g", "material", "metal"},
        at,
    )
    kind = check.text(row, "kind", "", at, choices=TARGET_KINDS, required=True)
    if "count" not in row:
        raise check.fail(at, "'count' is required")
    size, material, metal, mass = KIND_DEFAULTS[kind]
    return PopulateSpec(
        kind=kind,
        count=check.integer(row, "count", 0, at, minimum=0),
        target_class=check.text(row, "class", TARGET_KINDS[kind], at, choices=("mine", "clutter")),
        depth_m=check.span(row, "depth_m", (0.0, 0.15), at, minimum=0.0),
        y_m=check.span(row, "y_m", (0.0, 0.0), at, minimum=-10.0),
        size_m=check.span(row, "size_m", (size, size), at, minimum=1e-3),
        metal_mass_g=check.span(row, "metal_mass_g", (mass, mass), at, minimum=0.0),
        material=check.text(row, "material", material, at, choices=MATERIAL_PERMITTIVITY),
        metal=check.text(row, "metal", metal, at, choices=METALS),
    )


# --------------------------------------------------------------------------------------------
# The named library


def _library() -> Any:
    return resources.files("detsig.sim").joinpath("scenarios")


def list_scenarios() -> dict[str, str]:
    """Names of the library scenarios and their descriptions, sorted by name.

    Returns
    -------
    dict of str to str
        Scenario name -> its ``description``.
    """
    out: dict[str, str] = {}
    for entry in sorted(_library().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            name = entry.name[: -len(".toml")]
            scenario = _parse_text(entry.read_text(encoding="utf-8"), source=name)
            out[name] = scenario.description
    return out


def _parse_text(text: str, *, source: str) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"scenario {source} is not valid TOML ({error})") from None
    return scenario_from_dict(data, source=source)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read a library scenario by name, or a TOML file by path.

    Parameters
    ----------
    name_or_path : str or Path
        A library name (``"standard"``; see :func:`list_scenarios`) or a ``.toml`` path.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        Unknown name, missing or unreadable file, bad TOML, or an invalid value.

    Examples
    --------
    >>> load_scenario("standard").lane.length_m
    10.0
    """
    text_name = str(name_or_path)
    path = Path(text_name)
    looks_like_file = text_name.endswith(".toml") or path.parent != Path(".") or path.is_file()
    if not looks_like_file:
        entry = _library().joinpath(f"{text_name}.toml")
        if not entry.is_file():
            names = ", ".join(list_scenarios())
            raise ScenarioError(
                f"no scenario named {text_name!r}; choose one of {names} or give a .toml file"
            )
        scenario = _parse_text(entry.read_text(encoding="utf-8"), source=text_name)
        return scenario.replace(name=scenario.name or text_name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"scenario file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"scenario file {path} cannot be read ({error})") from None
    return _parse_text(text, source=str(path))
