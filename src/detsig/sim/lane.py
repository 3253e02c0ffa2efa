"""A whole simulated lane: targets, ground, GPR B-scan, metal-detector series and truth."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig._version import __version__
from detsig.model import GprScan, GroundTruth, MdSeries, PositionTrack, TruthTarget
from detsig.sim.gpr import GprEvent, synthesize_gpr
from detsig.sim.ground import Ground, make_ground
from detsig.sim.md import MdMotion, metal_response, synthesize_md
from detsig.sim.scenario import MATERIAL_PERMITTIVITY, Scenario, TargetSpec, load_scenario
from detsig.sim.targets import resolve_targets

#: Host clock of the first trace/frame of a simulated lane, ns since the Unix epoch
#: (2026-01-01T00:00:00Z: fixed so the same seed gives the same file content).
SIM_EPOCH_NS = 1_767_225_600_000_000_000


@dataclass(frozen=True)
class SimulatedLane:
    """Everything simulated for one lane and seed.

    Parameters
    ----------
    scenario : Scenario
        The description it was made from.
    seed : int
        The seed.
    targets : tuple of TargetSpec
        Every object, fixed and populated.
    ground : Ground
        Surface and soil profiles.
    gpr : GprScan
        The B-scan, int16, with ``distance_m`` per trace.
    gpr_events : list of GprEvent
        Where each reflection was synthesised.
    md : MdSeries
        The metal-detector series, int32, with ``distance_m`` per frame.
    md_motion : MdMotion
        Coil position, height and temperature per frame.
    truth : GroundTruth
        The ground truth of the lane (mines and clutter).
    """

    scenario: Scenario
    seed: int
    targets: tuple[TargetSpec, ...]
    ground: Ground
    gpr: GprScan
    gpr_events: list[GprEvent]
    md: MdSeries
    md_motion: MdMotion
    truth: GroundTruth

    @property
    def gpr_distance_m(self) -> np.ndarray:
        """Along-lane position of each trace, m."""
        assert self.gpr.distance_m is not None
        return self.gpr.distance_m

    @property
    def md_distance_m(self) -> np.ndarray:
        """Along-lane position of each metal-detector frame, m."""
        assert self.md.distance_m is not None
        return self.md.distance_m

    def hello(self, kind: str) -> dict[str, Any]:
        """The HELLO object a device streaming this lane announces (wire protocol).

        The GPR announces its time zero (the ground-surface echo) and antenna height too, so
        live recordings keep the depth reference that ``detsig simulate`` files have.

        Parameters
        ----------
        kind : {"gpr", "md"}
            Which device.

        Returns
        -------
        dict
            The HELLO JSON object (``device``, ``model``, ``serial``, ``firmware``, ``config``);
            for ``"gpr"`` its ``config`` also has ``time_zero_s`` (s) and ``antenna_height_m`` (m).
        """
        hello = device_hello(kind, self.scenario, self.seed)
        if kind == "gpr":
            hello["config"]["time_zero_s"] = self.gpr.header.time_zero_s
            hello["config"]["antenna_height_m"] = self.scenario.gpr.antenna_height_m
        return hello


def device_hello(kind: str, scenario: Scenario, seed: int) -> dict[str, Any]:
    """HELLO JSON of an emulated ``"gpr"`` or ``"md"`` device for a scenario.

    Parameters
    ----------
    kind : {"gpr", "md"}
        Which device.
    scenario : Scenario
        Sets the device configuration.
    seed : int
        Becomes part of the serial number.

    Returns
    -------
    dict
        The HELLO JSON object: ``device``, ``model``, ``serial`` (``SIM-GPR-<seed>`` /
        ``SIM-MD-<seed>``), ``firmware`` (the detsig version) and ``config`` with the sampling
        parameters of the scenario's device.
    """
    if kind == "gpr":
        gpr = scenario.gpr
        return {
            "device": "gpr",
            "model": "detsig-sim-gpr",
            "serial": f"SIM-GPR-{seed}",
            "firmware": __version__,
            "config": {
                "samples": gpr.n_samples,
                "sample_interval_s": gpr.sample_interval_s,
                "center_frequency_hz": gpr.center_frequency_hz,
                "traces_per_s": gpr.traces_per_s,
                "trace_step_m": gpr.trace_step_m,
                "sample_format": "int16",
                "scenario": scenario.name,
            },
        }
    if kind == "md":
        md = scenario.md
        channels = (
            [f"gate{k}" for k in range(len(md.gate_delays_s))] if md.kind == "pi" else ["I", "Q"]
        )
        config: dict[str, Any] = {
            "channels": channels,
            "sample_rate_hz": md.sample_rate_hz,
            "units": "adc_counts",
            "sample_format": "int32",
            "technology": md.kind,
            "scenario": scenario.name,
        }
        if md.kind == "pi":
            config["gate_delays_s"] = list(md.gate_delays_s)
        else:
            config["frequency_hz"] = md.frequency_hz
        return {
            "device": "md",
            "model": f"detsig-sim-md-{md.kind}",
            "serial": f"SIM-MD-{seed}",
            "firmware": __version__,
            "config": config,
        }
    raise ValueError(f"device kind must be 'gpr' or 'md', got {kind!r}")


def truth_row(target: TargetSpec, extras: dict[str, Any]) -> TruthTarget:
    """The ground-truth row of a simulated object.

    Parameters
    ----------
    target : TargetSpec
        The object (id, class, kind, position, depth and size are copied).
    extras : dict
        Further per-target values (material, metal, model parameters).

    Returns
    -------
    TruthTarget
    """
    return TruthTarget(
        id=target.id,
        target_class=target.target_class,
        kind=target.kind,
        x_m=target.x_m,
        y_m=target.y_m,
        depth_m=target.depth_m,
        size_m=target.size_m,
        extras=extras,
    )


def _truth(scenario: Scenario, targets: tuple[TargetSpec, ...]) -> GroundTruth:
    rows = []
    for target in targets:
        response = metal_response(target, scenario.md.sensitivity)
        extras: dict[str, Any] = {
            "material": target.material,
            "metal": target.metal,
            "metal_mass_g": target.metal_mass_g,
        }
        body = MATERIAL_PERMITTIVITY[target.material]
        if math.isfinite(body):
            extras["relative_permittivity"] = body
        if response.radius_m > 0:
            extras["md_time_constant_s"] = response.time_constant_s
            extras["md_beta"] = response.beta
            extras["vlf_phase_deg"] = round(response.vlf_phase_deg(scenario.md.frequency_hz), 3)
        rows.append(truth_row(target, extras))
    return GroundTruth(
        targets=tuple(rows),
        x_start_m=0.0,
        x_end_m=scenario.lane.length_m,
        swept_width_m=scenario.lane.swept_width_m,
    )


def simulate_lane(scenario: Scenario | str | os.PathLike[str], seed: int = 0) -> SimulatedLane:
    """Simulate a lane: the same scenario and seed always give the same arrays.

    Parameters
    ----------
    scenario : Scenario, str or path
        A scenario, a library name (``"standard"``) or a TOML file.
    seed : int
        Seed of every random choice (layout of populated targets, ground, noise). Independent
        streams are spawned for layout, ground, GPR and MD, so changing one sensor's settings
        does not move the targets.

    Returns
    -------
    SimulatedLane

    Examples
    --------
    >>> lane = simulate_lane("single-metal", seed=1)
    >>> lane.gpr.data.dtype, lane.md.channel_names[0]
    (dtype('int16'), 'gate0')
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(os.fspath(scenario))
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    layout_seq, ground_seq, gpr_seq, md_seq = np.random.SeedSequence(seed).spawn(4)
    targets = resolve_targets(scenario, np.random.default_rng(layout_seq))
    ground = make_ground(scenario, np.random.default_rng(ground_seq))
    gpr, events = synthesize_gpr(scenario, targets, ground, np.random.default_rng(gpr_seq))
    md, motion = synthesize_md(scenario, targets, ground, np.random.default_rng(md_seq))
    return SimulatedLane(
        scenario=scenario,
        seed=seed,
        targets=targets,
        ground=ground,
        gpr=gpr,
        gpr_events=events,
        md=md,
        md_motion=motion,
        truth=_truth(scenario, targets),
    )


def write_lane(
    lane: SimulatedLane,
    path: str | os.PathLike[str],
    *,
    host_start_ns: int = SIM_EPOCH_NS,
    with_truth: bool = True,
    row_columns: Mapping[str, Mapping[str, npt.NDArray[np.float64]]] | None = None,
    gnss: PositionTrack | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> None:
    """Write a lane as a detsig recording (format v1) with ``gpr0``, ``md0`` and ``/truth``.

    Each trace and frame carries ``seq``, ``device_time_us`` (from the device rate),
    ``host_time_ns`` (from ``host_start_ns``) and ``distance_m``. Apart from the root's
    ``recording_id`` and ``created_utc``, two writes of one lane are identical.

    Parameters
    ----------
    lane : SimulatedLane
        The simulated lane (GPR scan, MD series, ground truth).
    path : str or Path
        The recording file to create.
    host_start_ns : int
        Host clock of the first trace and frame, ns since the Unix epoch (default
        :data:`SIM_EPOCH_NS`).
    with_truth : bool
        Store the lane's ground truth in ``/truth`` (an area survey keeps its truth in its
        own ``truth.json`` instead).
    row_columns : mapping, optional
        Further float64 per-row columns by stream: ``{"gpr0": {"lat_deg": array, ...}}``, each
        array shape (n_traces,) or (n_frames,).
    gnss : PositionTrack, optional
        Fixes of a GNSS receiver, stored as the stream ``gnss0``.
    attrs : mapping, optional
        Further root attributes.

    Raises
    ------
    RecordingError
        The file exists or its folder cannot be written (never overwrites).
    """
    from detsig.io.recording import RecordingWriter

    scenario = lane.scenario
    gpr = lane.gpr
    md = lane.md
    root_attrs: dict[str, Any] = {
        "simulator": f"detsig {__version__}",
        "scenario": scenario.name,
        "seed": lane.seed,
        **(attrs or {}),
    }
    extra = {name: dict(columns) for name, columns in (row_columns or {}).items()}
    with RecordingWriter(
        path,
        notes=f"simulated lane '{scenario.name}', seed {lane.seed}",
        attrs=root_attrs,
        fsync=False,
    ) as writer:
        gpr_stream = writer.add_gpr_stream(
            "gpr0",
            device=lane.hello("gpr"),
            n_samples=gpr.n_samples,
            dtype=gpr.data.dtype,
            sample_interval_s=gpr.header.sample_interval_s,
            center_frequency_hz=gpr.header.center_frequency_hz,
            time_zero_s=gpr.header.time_zero_s,
            extra_columns={name: "f8" for name in extra.get("gpr0", {})},
            attrs={
                "trace_step_m": scenario.gpr.trace_step_m,
                "traces_per_s": scenario.gpr.traces_per_s,
                "antenna_height_m": scenario.gpr.antenna_height_m,
                "simulated_relative_permittivity": scenario.soil.relative_permittivity,
            },
        )
        n_traces = gpr.n_traces
        trace_time_s = np.arange(n_traces) / scenario.gpr.traces_per_s
        gpr_stream.append(
            gpr.data,
            seq=np.arange(n_traces, dtype=np.uint32),
            device_time_us=np.rint(trace_time_s * 1e6).astype(np.uint64),
            host_time_ns=(host_start_ns + np.rint(trace_time_s * 1e9)).astype(np.int64),
            distance_m=lane.gpr_distance_m,
            **extra.get("gpr0", {}),
        )
        md_attrs: dict[str, Any] = {
            "technology": scenario.md.kind,
            "coil_height_m": scenario.md.coil_height_m,
            "coil_radius_m": scenario.md.coil_radius_m,
        }
        if md.gate_delays_s:
            md_attrs["gate_delays_s"] = list(md.gate_delays_s)
        else:
            md_attrs["frequency_hz"] = scenario.md.frequency_hz
        md_stream = writer.add_md_stream(
            "md0",
            device=lane.hello("md"),
            n_channels=md.n_channels,
            dtype=md.data.dtype,
            sample_rate_hz=md.sample_rate_hz,
            channel_names=list(md.channel_names),
            units=md.units,
            extra_columns={name: "f8" for name in extra.get("md0", {})},
            attrs=md_attrs,
        )
        frame_time_s = md.time_s
        md_stream.append(
            md.data,
            seq=np.arange(md.n_frames, dtype=np.uint32),
            device_time_us=np.rint(frame_time_s * 1e6).astype(np.uint64),
            host_time_ns=(host_start_ns + np.rint(frame_time_s * 1e9)).astype(np.int64),
            distance_m=lane.md_distance_m,
            **extra.get("md0", {}),
        )
        if gnss is not None:
            writer.add_gnss_stream(
                "gnss0", device={"device": "gnss", "model": "detsig-sim-gnss"}
            ).append(gnss)
        if with_truth:
            writer.write_truth(lane.truth)
