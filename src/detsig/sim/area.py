"""A simulated area survey: parallel sweeps over objects scattered in two dimensions.

The area (``length_m`` along the sweeps, x; ``width_m`` across, y) is swept in lanes
``spacing_m`` apart, lane k along y = k * spacing_m. Objects of the base lane scenario's
``[[populate]]`` kinds are placed uniformly in the plane at least ``min_spacing_m`` apart
(random sequential adsorption, [1]_). Each sweep is one run of the lane simulator
(:func:`detsig.sim.lane.simulate_lane`) with every object within ``reach_m`` of the sweep
shifted by the sweep's lateral offset: the GPR and metal-detector models then decide from
their own footprints how strongly a sweep sees an object beside it (no second simulator).

The survey can plant faults for the coverage check: lanes left out (a missed strip), lanes
walked too fast (the GPR keeps its trace rate, so traces lie further apart; the metal detector
keeps its frame rate) and GNSS dropouts (no fix for ``dropout_s`` in the middle of a sweep).

Positions come as a GNSS receiver with RTK fixes would give them (1 cm noise, 10 fixes per
second) around ``origin_lat_deg``/``origin_lon_deg``, the local grid's origin (x east, y
north): every row of ``gpr0``/``md0`` carries ``lat_deg``/``lon_deg`` and each sweep has a
``gnss0`` stream. ``gnss=False`` writes wheel-only sweeps for the planned grid.

References
----------
.. [1] J. W. Evans, "Random and cooperative sequential adsorption", Reviews of Modern Physics
   65(4), 1281-1329 (1993).
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from detsig.errors import ScenarioError
from detsig.io.truth import write_truth
from detsig.model import GroundTruth, PositionTrack
from detsig.sim.lane import SIM_EPOCH_NS, SimulatedLane, simulate_lane, truth_row, write_lane
from detsig.sim.scenario import Lane, Scenario, TargetSpec, load_scenario
from detsig.sim.targets import draw_target

__all__ = ["AreaSpec", "SimulatedArea", "simulate_area", "write_area"]

#: Standard deviation of an RTK fixed position, m.
RTK_NOISE_M = 0.01
#: GNSS fixes per second.
FIX_RATE_HZ = 10.0


@dataclass(frozen=True)
class AreaSpec:
    """What to simulate.

    Parameters
    ----------
    base : str
        Library lane scenario (or TOML file) giving soil, sensors and the kinds of objects.
    length_m, width_m : float
        Extent of the area along (x) and across (y) the sweeps, m.
    spacing_m : float
        Distance between neighbouring sweeps, m.
    sensor_width_m : float
        Width sensed across a sweep, m (written to the plan for the coverage check).
    density : float
        Objects per square metre relative to the base lane's (its populate counts over its
        length times swept width).
    min_spacing_m : float
        Smallest distance in the plane between two objects, m.
    margin_m : float
        No object closer than this to the edge of the area, m.
    speed_m_per_s : float
        Walking speed of a normal sweep, m/s (GPR traces keep the base scenario's spacing).
    missed_lanes : tuple of int
        Lanes not recorded (a missed strip).
    fast_lanes : tuple of int
        Lanes walked ``fast_factor`` times too fast.
    fast_factor : float
        Speed factor of the fast lanes.
    dropout_lanes : tuple of int
        Lanes whose GNSS has no fix for ``dropout_s`` in the middle of the sweep.
    dropout_s : float
        Length of a dropout, s.
    gnss : bool
        Write GNSS positions (else wheel-only sweeps).
    origin_lat_deg, origin_lon_deg : float
        WGS84 position of the local grid's origin, degrees.
    reach_m : float
        Objects further than this beside a sweep are left out of its simulation, m (their
        response there is below the noise of both sensors).
    """

    base: str = "standard"
    length_m: float = 5.0
    width_m: float = 4.0
    spacing_m: float = 0.25
    sensor_width_m: float = 0.3
    density: float = 0.5
    min_spacing_m: float = 0.6
    margin_m: float = 0.4
    speed_m_per_s: float = 0.5
    missed_lanes: tuple[int, ...] = ()
    fast_lanes: tuple[int, ...] = ()
    fast_factor: float = 2.5
    dropout_lanes: tuple[int, ...] = ()
    dropout_s: float = 3.0
    gnss: bool = True
    origin_lat_deg: float = 45.0
    origin_lon_deg: float = 16.0
    reach_m: float = 0.75

    def __post_init__(self) -> None:
        for name in ("length_m", "width_m", "spacing_m", "sensor_width_m", "speed_m_per_s"):
            value = float(getattr(self, name))
            if not (math.isfinite(value) and value > 0):
                raise ScenarioError(f"area: {name} must be > 0, got {value}")
        if not self.fast_factor > 0 or not self.dropout_s > 0 or self.density < 0:
            raise ScenarioError("area: fast_factor and dropout_s must be > 0, density >= 0")
        if 2 * self.margin_m >= min(self.length_m, self.width_m):
            raise ScenarioError(
                f"area: a margin of {self.margin_m:g} m leaves no room in a "
                f"{self.length_m:g} m x {self.width_m:g} m area"
            )
        for name in ("missed_lanes", "fast_lanes", "dropout_lanes"):
            lanes = tuple(int(k) for k in getattr(self, name))
            bad = [k for k in lanes if not 0 <= k < self.n_lanes]
            if bad:
                raise ScenarioError(
                    f"area: {name} names lane {bad[0]}, but the lanes are 0-{self.n_lanes - 1}"
                )
            object.__setattr__(self, name, lanes)

    @property
    def n_lanes(self) -> int:
        """Number of planned lanes (from y = 0 to y = width_m)."""
        return math.floor(self.width_m / self.spacing_m + 1e-9) + 1

    def lane_y_m(self, lane: int) -> float:
        """Across position of a lane, m."""
        return lane * self.spacing_m


@dataclass(frozen=True)
class SimulatedArea:
    """An area survey simulated for one seed.

    Parameters
    ----------
    spec : AreaSpec
        What was simulated.
    seed : int
        The seed.
    targets : tuple of TargetSpec
        Every object, positions in the area's grid.
    truth : GroundTruth
        The area's truth (``x_m``, ``y_m`` in the local grid; ``y_start_m``/``y_end_m`` set).
    sweeps : dict of int to SimulatedLane
        One simulated lane per recorded lane index (missed lanes absent).
    """

    spec: AreaSpec
    seed: int
    targets: tuple[TargetSpec, ...]
    truth: GroundTruth
    sweeps: dict[int, SimulatedLane]


def _place_targets(
    spec: AreaSpec, scenario: Scenario, rng: np.random.Generator
) -> tuple[TargetSpec, ...]:
    """Objects of the base scenario's populate rules placed uniformly in the plane."""
    lane = scenario.lane
    scale = spec.density * spec.length_m * spec.width_m / (lane.length_m * lane.swept_width_m)
    low = np.array([spec.margin_m, spec.margin_m])
    high = np.array([spec.length_m - spec.margin_m, spec.width_m - spec.margin_m])
    for _ in range(50):
        placed: list[TargetSpec] = []
        jammed = False
        for rule in scenario.populate:
            for _ in range(round(rule.count * scale)):
                for _attempt in range(2000):
                    x, y = rng.uniform(low, high)
                    if all(math.hypot(x - t.x_m, y - t.y_m) >= spec.min_spacing_m for t in placed):
                        break
                else:
                    jammed = True
                    break
                placed.append(draw_target(rule, rng, f"a{len(placed) + 1}", float(x), float(y)))
            if jammed:
                break
        if not jammed:
            return tuple(placed)
    raise ScenarioError(
        f"area: cannot place the objects {spec.min_spacing_m:g} m apart; lower the density"
    )


def _sweep_scenario(
    spec: AreaSpec, scenario: Scenario, lane: int, targets: tuple[TargetSpec, ...]
) -> Scenario:
    """The lane scenario of one sweep: nearby objects shifted to the sweep's offset."""
    y_lane = spec.lane_y_m(lane)
    near = tuple(
        dataclasses.replace(t, y_m=round(t.y_m - y_lane, 4))
        for t in targets
        if abs(t.y_m - y_lane) <= spec.reach_m
    )
    speed = spec.speed_m_per_s * (spec.fast_factor if lane in spec.fast_lanes else 1.0)
    step = scenario.gpr.trace_step_m
    gpr = dataclasses.replace(scenario.gpr, traces_per_s=spec.speed_m_per_s / step)
    if lane in spec.fast_lanes:
        gpr = dataclasses.replace(gpr, trace_step_m=step * spec.fast_factor)
    md = dataclasses.replace(scenario.md, speed_m_per_s=speed)
    return scenario.replace(
        name=f"{scenario.name}-area-lane{lane}",
        lane=Lane(
            length_m=spec.length_m,
            swept_width_m=spec.sensor_width_m,
            min_spacing_m=scenario.lane.min_spacing_m,
            margin_m=0.0,
        ),
        gpr=gpr,
        md=md,
        targets=near,
        populate=(),
    )


def simulate_area(spec: AreaSpec | None = None, seed: int = 0) -> SimulatedArea:
    """Simulate an area survey: the same spec and seed always give the same arrays.

    Parameters
    ----------
    spec : AreaSpec, optional
        What to simulate (default: 5 m x 4 m, lanes 0.25 m apart, the ``standard`` lane's
        soil, sensors and kinds of object).
    seed : int
        Seed of the layout and of every sweep (independent streams spawned from it).

    Returns
    -------
    SimulatedArea
        The truth and one simulated lane per recorded sweep.

    Examples
    --------
    >>> area = simulate_area(AreaSpec(length_m=2.0, width_m=1.0, density=0.3), seed=1)
    >>> sorted(area.sweeps)[:3], area.truth.y_end_m
    ([0, 1, 2], 1.0)
    """
    spec = AreaSpec() if spec is None else spec
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    scenario = load_scenario(spec.base)
    layout_seq, *lane_seqs = np.random.SeedSequence(seed).spawn(1 + spec.n_lanes)
    targets = _place_targets(spec, scenario, np.random.default_rng(layout_seq))
    sweeps: dict[int, SimulatedLane] = {}
    for lane in range(spec.n_lanes):
        if lane in spec.missed_lanes:
            continue
        lane_seed = int(lane_seqs[lane].generate_state(1)[0])
        sweeps[lane] = simulate_lane(_sweep_scenario(spec, scenario, lane, targets), lane_seed)
    sim_truth = {t.id: t for sweep in sweeps.values() for t in sweep.truth.targets}
    rows = []
    for target in targets:
        extras = dict(sim_truth[target.id].extras) if target.id in sim_truth else {}
        rows.append(
            truth_row(target, extras or {"material": target.material, "metal": target.metal})
        )
    truth = GroundTruth(
        tuple(rows),
        x_start_m=0.0,
        x_end_m=spec.length_m,
        swept_width_m=spec.sensor_width_m,
        y_start_m=0.0,
        y_end_m=spec.width_m,
    )
    return SimulatedArea(spec, seed, targets, truth, sweeps)


def _gnss_for_sweep(
    spec: AreaSpec, lane: int, sweep: SimulatedLane, start_ns: int, rng: np.random.Generator
) -> tuple[PositionTrack, dict[str, dict[str, npt.NDArray[np.float64]]]]:
    """RTK fixes along a sweep and the lat/lon of every row (NaN in a dropout)."""
    from detsig.survey.layout import LocalFrame

    frame = LocalFrame(spec.origin_lat_deg, spec.origin_lon_deg)
    md_time = sweep.md.time_s
    duration = float(md_time[-1])
    fix_time = np.arange(0.0, duration + 1e-9, 1.0 / FIX_RATE_HZ)
    noise = rng.normal(0.0, RTK_NOISE_M, (fix_time.size, 2))
    dropout = np.zeros(fix_time.size, dtype=bool)
    window = (duration / 2 - spec.dropout_s / 2, duration / 2 + spec.dropout_s / 2)
    if lane in spec.dropout_lanes:
        dropout = (fix_time >= window[0]) & (fix_time < window[1])
    y_lane = spec.lane_y_m(lane)
    fix_x = np.interp(fix_time, md_time, sweep.md_distance_m) + noise[:, 0]
    fix_y = y_lane + noise[:, 1]
    lat, lon = frame.to_lat_lon(fix_x, fix_y)
    lat, lon = np.where(dropout, np.nan, lat), np.where(dropout, np.nan, lon)
    n = fix_time.size
    track = PositionTrack(
        host_time_ns=(start_ns + np.rint(fix_time * 1e9)).astype(np.int64),
        utc_time_s=start_ns / 1e9 + fix_time,
        lat_deg=lat,
        lon_deg=lon,
        alt_m=np.full(n, 120.0),
        fix_quality=np.where(dropout, 0, 4).astype(np.int8),
        n_satellites=np.where(dropout, 0, 18).astype(np.int16),
        hdop=np.where(dropout, np.nan, 0.6).astype(np.float32),
    )
    columns: dict[str, dict[str, npt.NDArray[np.float64]]] = {}
    gpr_time = np.arange(sweep.gpr.n_traces) / sweep.scenario.gpr.traces_per_s
    for stream, row_time, distance in (
        ("gpr0", gpr_time, sweep.gpr_distance_m),
        ("md0", md_time, sweep.md_distance_m),
    ):
        # Each row's own position (its sensor's distance) plus the interpolated fix noise.
        x = distance + np.interp(row_time, fix_time, noise[:, 0])
        y = y_lane + np.interp(row_time, fix_time, noise[:, 1])
        row_lat, row_lon = frame.to_lat_lon(x, y)
        lost = (row_time >= window[0]) & (row_time < window[1]) if dropout.any() else None
        if lost is not None:
            row_lat, row_lon = np.where(lost, np.nan, row_lat), np.where(lost, np.nan, row_lon)
        columns[stream] = {
            "lat_deg": np.asarray(row_lat, dtype=np.float64),
            "lon_deg": np.asarray(row_lon, dtype=np.float64),
        }
    return track, columns


def _plan_text(area: SimulatedArea) -> str:
    spec = area.spec
    lines = [
        f"# Planned grid of the simulated area survey (seed {area.seed}); see detsig.survey.plan.",
        "[grid]",
        f"spacing_m = {spec.spacing_m!r}",
        "heading_deg = 90.0",
        "origin_x_m = 0.0",
        "origin_y_m = 0.0",
        'lane_side = "left"',
        f"length_m = {spec.length_m!r}",
        f"origin_lat_deg = {spec.origin_lat_deg!r}",
        f"origin_lon_deg = {spec.origin_lon_deg!r}",
        "",
        "[sensor]",
        f"width_m = {spec.sensor_width_m!r}",
        "",
        "[area]",
        "x_min_m = 0.0",
        f"x_max_m = {spec.length_m!r}",
        "y_min_m = 0.0",
        f"y_max_m = {spec.width_m!r}",
        "",
        "[qc]",
        "speed_min_m_per_s = 0.1",
        "speed_max_m_per_s = 1.0",
        "max_sample_step_m = 0.02",
        "min_fix_quality = 4",
    ]
    for lane in sorted(area.sweeps):
        lines += ["", "[[sweeps]]", f'file = "sweep-{lane:02d}.h5"', f"lane = {lane}"]
    return "\n".join(lines) + "\n"


def write_area(area: SimulatedArea, folder: str | os.PathLike[str]) -> list[Path]:
    """Write the survey: ``sweep-NN.h5`` per recorded lane, ``truth.json`` and ``survey.toml``.

    Parameters
    ----------
    area : SimulatedArea
        The simulated survey.
    folder : path-like
        A new or empty folder.

    Returns
    -------
    list of Path
        The files written, recordings first.

    Raises
    ------
    ScenarioError
        The folder exists and is not empty (nothing is overwritten).
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ScenarioError(f"{folder} exists and is not an empty folder; give a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    start_ns = SIM_EPOCH_NS
    gnss_seqs = np.random.SeedSequence([area.seed, 7]).spawn(area.spec.n_lanes)
    for lane in sorted(area.sweeps):
        sweep = area.sweeps[lane]
        path = folder / f"sweep-{lane:02d}.h5"
        gnss = None
        columns = None
        if area.spec.gnss:
            rng = np.random.default_rng(gnss_seqs[lane])
            gnss, columns = _gnss_for_sweep(area.spec, lane, sweep, start_ns, rng)
        write_lane(
            sweep,
            path,
            host_start_ns=start_ns,
            with_truth=False,
            row_columns=columns,
            gnss=gnss,
            attrs={"area_lane": lane, "area_lane_y_m": area.spec.lane_y_m(lane)},
        )
        written.append(path)
        start_ns += int((float(sweep.md.time_s[-1]) + 20.0) * 1e9)
    write_truth(area.truth, folder / "truth.json")
    (folder / "survey.toml").write_text(_plan_text(area), encoding="utf-8")
    return [*written, folder / "truth.json", folder / "survey.toml"]
