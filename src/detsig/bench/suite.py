"""Detection benchmark suites: lanes x detectors x parameter sets, scored and reported.

A suite names simulated lanes (a library scenario and a seed each) and detector
configurations (a registered detector name and a parameter set). Running it simulates every
lane once, runs every configuration on every lane, scores the candidates
(:func:`detsig.bench.score.score_lane`) and pools the lanes per configuration
(:func:`detsig.bench.score.summarize`). The work fans out with :func:`detsig.bench.fanout.fan_out`.

Two pipelines plug into the fan-out:

- :class:`DetectionPipeline`: simulate (``detsig.sim``), detect (``detsig.detect``), score;
- :class:`ScoreFilesPipeline`: score candidate files already on disk against truth files.

Results are returned in job order and hold no timing, so they are identical whatever the
number of workers; times are reported apart (``timing``).
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detsig.bench.fanout import Executor, fan_out
from detsig.bench.matching import Halo
from detsig.bench.score import (
    DEFAULT_HALOS_M,
    LaneScore,
    pd_vs_halo,
    pool_pd_vs_halo,
    score_lane,
    summarize,
)
from detsig.errors import UsageError
from detsig.model import Candidate, GroundTruth

__all__ = [
    "SUITES",
    "DetectionPipeline",
    "DetectorSpec",
    "LaneFiles",
    "LaneSpec",
    "ScoreFilesPipeline",
    "ScoringConfig",
    "Suite",
    "build_document",
    "get_suite",
    "run_suite",
]


@dataclass(frozen=True)
class LaneSpec:
    """A lane of a suite: simulated from a scenario, or a recording on disk with its truth.

    Parameters
    ----------
    scenario : str
        Library scenario name (``detsig simulate --list``) or a TOML path; for a recorded
        lane a label of where it comes from (``"fdtd"``).
    seed : int
        Simulation seed (-1 for a recorded lane).
    soil : str
        Soil stratum label for the report.
    recording : str
        Path of a recording (any format detsig reads) to run instead of simulating.
    truth : str
        Its truth JSON file (with ``recording``).
    """

    scenario: str
    seed: int
    soil: str
    recording: str = ""
    truth: str = ""

    @property
    def name(self) -> str:
        """``scenario-sSEED``, or the recording's file stem; unique within a suite."""
        if self.recording:
            return Path(self.recording).stem
        return f"{Path(self.scenario).stem}-s{self.seed}"


@dataclass(frozen=True)
class DetectorSpec:
    """One detector configuration.

    Parameters
    ----------
    name : str
        Registered detector name.
    params : mapping
        Keyword parameters of the detector (empty: its defaults).
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``name`` or ``name[key=value,...]``, unique within a suite."""
        if not self.params:
            return self.name
        inner = ",".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.name}[{inner}]"

    def __hash__(self) -> int:
        return hash(self.label)


@dataclass(frozen=True)
class ScoringConfig:
    """How every job is scored.

    Parameters
    ----------
    halo : Halo
        Matching rule.
    halos_m : tuple of float
        Halo sizes of the Pd-against-halo table (same mode as ``halo``).
    max_false_alarms_per_m2 : float
        Bound of the partial AUC.
    """

    halo: Halo = field(default_factory=Halo)
    halos_m: tuple[float, ...] = DEFAULT_HALOS_M["edge"]
    max_false_alarms_per_m2: float = 0.5

    @classmethod
    def for_halo(cls, halo: Halo, max_false_alarms_per_m2: float = 0.5) -> ScoringConfig:
        """A config whose Pd-against-halo table suits the halo's mode and includes it.

        Parameters
        ----------
        halo : Halo
            The matching rule.
        max_false_alarms_per_m2 : float
            Bound of the partial AUC, false alarms per m2.

        Returns
        -------
        ScoringConfig
            Halo sizes are the mode's defaults plus ``halo.halo_m``, sorted.
        """
        halos = tuple(sorted({*DEFAULT_HALOS_M[halo.mode], halo.halo_m}))
        return cls(halo, halos, max_false_alarms_per_m2)


@dataclass(frozen=True)
class Suite:
    """A named set of lanes and detector configurations."""

    name: str
    description: str
    lanes: tuple[LaneSpec, ...]
    detectors: tuple[DetectorSpec, ...]

    def with_seeds(self, seeds: Sequence[int]) -> Suite:
        """The same scenarios with other seeds.

        Parameters
        ----------
        seeds : sequence of int
            Seeds of the simulated lanes.

        Returns
        -------
        Suite
            One lane per distinct scenario and seed (the first lane of a scenario gives its
            soil label).
        """
        seen: dict[str, LaneSpec] = {}
        for lane in self.lanes:
            seen.setdefault(lane.scenario, lane)
        lanes = tuple(
            LaneSpec(lane.scenario, int(s), lane.soil) for lane in seen.values() for s in seeds
        )
        return Suite(self.name, self.description, lanes, self.detectors)

    def with_detectors(self, names: Sequence[str]) -> Suite:
        """Only these detectors (the suite's parameter sets, else defaults).

        Parameters
        ----------
        names : sequence of str
            Detector names, in the order wanted.

        Returns
        -------
        Suite
            The same lanes with only those detectors.
        """
        chosen: list[DetectorSpec] = []
        for name in names:
            mine = [d for d in self.detectors if d.name == name]
            chosen.extend(mine or [DetectorSpec(name)])
        return Suite(self.name, self.description, self.lanes, tuple(chosen))


def _lanes(scenarios: Sequence[tuple[str, str]], seeds: Sequence[int]) -> tuple[LaneSpec, ...]:
    return tuple(LaneSpec(scenario, seed, soil) for scenario, soil in scenarios for seed in seeds)


#: Detector configurations of the suites, filled from the detector registry when it loads.
_QUICK_SCENARIOS = (
    ("standard", "moist loam"),
    ("minimum-metal", "dry sand"),
    ("wet-clay", "wet clay"),
    ("clutter-heavy", "battle-area loam"),
)
_STANDARD_SCENARIOS = (
    *_QUICK_SCENARIOS,
    ("hard", "magnetic heterogeneous"),
    ("vlf", "moist loam (VLF)"),
    ("empty", "moist loam"),
)

SUITES: dict[str, Callable[[], Suite]] = {}


def _quick() -> Suite:
    return Suite(
        "quick",
        "4 library scenarios x 2 seeds, every registered detector with its defaults",
        _lanes(_QUICK_SCENARIOS, (1, 2)),
        _default_detectors(),
    )


def _standard() -> Suite:
    return Suite(
        "standard",
        "7 library scenarios x 5 seeds, every registered detector and its parameter sets",
        _lanes(_STANDARD_SCENARIOS, (1, 2, 3, 4, 5)),
        _default_detectors(with_variants=True),
    )


#: Folder of the FDTD (gprMax) lane corpus (``benchmarks/fdtd/make_corpus.py``); the
#: ``DETSIG_FDTD_DIR`` environment variable points elsewhere.
FDTD_DIR = Path(__file__).resolve().parents[3] / "recordings" / "fdtd"


def fdtd_lanes(folder: Path | None = None) -> tuple[LaneSpec, ...]:
    """The recorded FDTD lanes: every ``<lane>.h5`` with a ``<lane>.truth.json`` beside it.

    Parameters
    ----------
    folder : Path, optional
        Where they are (default ``$DETSIG_FDTD_DIR`` or the repository's recordings/fdtd).

    Returns
    -------
    tuple of LaneSpec
        Sorted by name; the soil label comes from the truth file's ``soil``.

    Raises
    ------
    UsageError
        If the folder holds no such lane.
    """
    import json
    import os

    where = folder or Path(os.environ.get("DETSIG_FDTD_DIR", FDTD_DIR))
    lanes = []
    for recording in sorted(where.glob("*.h5")):
        truth = recording.with_name(recording.stem + ".truth.json")
        if not truth.exists():
            continue
        soil = json.loads(truth.read_text(encoding="utf-8")).get("soil", "unknown")
        lanes.append(LaneSpec("fdtd", -1, str(soil).split(":")[0], str(recording), str(truth)))
    if not lanes:
        raise UsageError(
            f"no FDTD lanes in {where}; build them with benchmarks/fdtd/make_corpus.py or "
            "point DETSIG_FDTD_DIR at them"
        )
    return tuple(lanes)


def _fdtd() -> Suite:
    lanes = fdtd_lanes()
    detectors = tuple(
        spec for spec in _default_detectors() if spec.name in ("gpr-hyperbola", "gpr-energy")
    )
    return Suite(
        "fdtd",
        f"{len(lanes)} gprMax FDTD lanes (2-D, homogeneous, Peplinski rough-surface and "
        "layered soils); radar only, so the GPR detectors (md-cfar and fused need a metal "
        "detector stream)",
        lanes,
        detectors,
    )


SUITES.update(quick=_quick, standard=_standard, fdtd=_fdtd)


def _default_detectors(with_variants: bool = False) -> tuple[DetectorSpec, ...]:
    from detsig.bench.detectors import available_detectors, parameter_sets

    specs: list[DetectorSpec] = []
    for name in available_detectors():
        variants = parameter_sets(name) if with_variants else ({},)
        specs.extend(DetectorSpec(name, dict(params)) for params in variants)
    return tuple(specs)


def get_suite(name: str) -> Suite:
    """The suite of this name (``quick``, ``standard`` or ``fdtd``).

    Parameters
    ----------
    name : str
        Suite name, a key of :data:`SUITES`.

    Returns
    -------
    Suite
        A newly built suite.

    Raises
    ------
    UsageError
        If there is no suite of that name.
    """
    try:
        return SUITES[name]()
    except KeyError:
        raise UsageError(
            f"unknown suite {name!r}; choose one of {', '.join(sorted(SUITES))}"
        ) from None


# --------------------------------------------------------------------------------------------
# Scoring one job (shared by the pipelines)


def _score_job(
    truth: GroundTruth,
    candidates: Sequence[Candidate],
    lane_name: str,
    soil: str,
    detector_label: str,
    config: ScoringConfig,
    runtime_s: float,
    threshold: float | None = None,
) -> dict[str, Any]:
    lane = score_lane(
        truth, candidates, halo=config.halo, threshold=threshold, lane=lane_name, soil=soil
    )
    halo_rows = pd_vs_halo(
        truth, candidates, config.halos_m, mode=config.halo.mode, threshold=threshold
    )
    return {
        "lane": lane_name,
        "detector": detector_label,
        "lane_score": lane.to_dict(),
        "pd_vs_halo": halo_rows,
        "n_candidates": len(candidates),
        "runtime_s": runtime_s,
        "lane_meta": {
            "length_m": truth.length_m,
            "swept_width_m": lane.swept_width_m,
            "n_mines": len(truth.mines),
            "n_clutter": len(truth.targets) - len(truth.mines),
        },
    }


# --------------------------------------------------------------------------------------------
# Pipeline 1: score candidate files against truth files


@dataclass(frozen=True)
class LaneFiles:
    """A lane on disk: its truth (recording or JSON) and a soil label."""

    name: str
    truth_path: str
    soil: str = "unknown"
    scenario: str = ""
    seed: int = -1


@dataclass(frozen=True)
class ScoreFilesPipeline:
    """Prepare = read a lane's truth; evaluate = read one candidates file and score it.

    Jobs are ``(detector_label, candidates_path)``. The files must be readable by the workers
    (local cluster or a shared file system).
    """

    config: ScoringConfig = field(default_factory=ScoringConfig)

    def prepare(self, lane: LaneFiles) -> tuple[LaneFiles, GroundTruth]:
        """Read the lane's ground truth.

        Parameters
        ----------
        lane : LaneFiles
            The lane's name, soil label and truth file.

        Returns
        -------
        tuple of (LaneFiles, GroundTruth)
            The lane and its loaded truth.
        """
        from detsig.bench.inputs import load_truth

        return lane, load_truth(lane.truth_path)

    def evaluate(
        self, prepared: tuple[LaneFiles, GroundTruth], job: tuple[str, str]
    ) -> dict[str, Any]:
        """Read one candidates file and score it against the lane's truth.

        Parameters
        ----------
        prepared : tuple of (LaneFiles, GroundTruth)
            The result of :meth:`prepare`.
        job : tuple of (str, str)
            Detector label and the path of its candidates file.

        Returns
        -------
        dict
            The job's scores (one row of the results document).
        """
        from detsig.io.candidates import read_candidates

        lane, truth = prepared
        label, path = job
        candidates = read_candidates(path)
        return _score_job(truth, candidates, lane.name, lane.soil, label, self.config, 0.0)


# --------------------------------------------------------------------------------------------
# Pipeline 2: simulate, detect, score


@dataclass(frozen=True)
class PreparedLane:
    """A simulated lane as it travels between workers: the recording's bytes and its truth."""

    spec: LaneSpec
    recording: bytes = field(repr=False)
    truth: GroundTruth = field(repr=False)


@dataclass(frozen=True)
class DetectionPipeline:
    """Prepare = simulate a lane into a recording; evaluate = run one detector on it, score."""

    config: ScoringConfig = field(default_factory=ScoringConfig)

    def prepare(self, lane: LaneSpec) -> PreparedLane:
        """Simulate the lane and write it as a recording, kept in memory as bytes.

        Parameters
        ----------
        lane : LaneSpec
            Scenario, seed and soil label of the lane.

        Returns
        -------
        PreparedLane
            The recording file's bytes and the lane's truth.
        """
        if lane.recording:
            from detsig.bench.inputs import load_truth

            return PreparedLane(lane, Path(lane.recording).read_bytes(), load_truth(lane.truth))
        from detsig.sim import simulate_lane, write_lane

        simulated = simulate_lane(lane.scenario, lane.seed)
        with tempfile.TemporaryDirectory(prefix="detsig-bench-") as folder:
            path = Path(folder) / f"{lane.name}.h5"
            write_lane(simulated, path)
            data = path.read_bytes()
        return PreparedLane(lane, data, simulated.truth)

    def evaluate(self, prepared: PreparedLane, detector: DetectorSpec) -> dict[str, Any]:
        """Run one detector on the prepared lane and score its candidates.

        Parameters
        ----------
        prepared : PreparedLane
            The result of :meth:`prepare`.
        detector : DetectorSpec
            Detector name and parameters.

        Returns
        -------
        dict
            The job's scores at the detector's operating threshold, with its run time (s).
        """
        from detsig.bench.detectors import operating_threshold, run_detector

        with tempfile.TemporaryDirectory(prefix="detsig-bench-") as folder:
            path = Path(folder) / f"{prepared.spec.name}.h5"
            path.write_bytes(prepared.recording)
            start = time.perf_counter()
            candidates = run_detector(detector.name, detector.params, path)
            runtime_s = time.perf_counter() - start
        return _score_job(
            prepared.truth,
            candidates,
            prepared.spec.name,
            prepared.spec.soil,
            detector.label,
            self.config,
            runtime_s,
            operating_threshold(detector.name, detector.params),
        )


# --------------------------------------------------------------------------------------------
# Running and assembling the results document


def run_suite(
    suite: Suite,
    *,
    config: ScoringConfig | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run a detection suite and return its results document (``results.json``).

    Parameters
    ----------
    suite : Suite
        Lanes and detector configurations.
    config : ScoringConfig, optional
        Halo and table settings (default edge mode, 0.1 m).
    executor : Executor, optional
        Where to run (default a local Dask cluster of 2 workers).
    progress : callable, optional
        ``progress(n_done, n_total)``.

    Returns
    -------
    dict
        The results document: ``suite``, ``detsig_version``, ``halo``, ``lanes``,
        ``detectors``, ``results`` (one entry per detector with its pooled summary and
        Pd-against-halo table) and ``timing`` (s).

    Raises
    ------
    UsageError
        If the suite has no detector.
    """
    if not suite.detectors:
        raise UsageError("the suite has no detector to run; register one or name one")
    config = ScoringConfig() if config is None else config
    executor = Executor() if executor is None else executor
    pipeline = DetectionPipeline(config)
    jobs = [(i, d) for i in range(len(suite.lanes)) for d in suite.detectors]
    start = time.perf_counter()
    results = fan_out(pipeline.prepare, pipeline.evaluate, suite.lanes, jobs, executor, progress)
    wall_s = time.perf_counter() - start
    lanes = [
        {
            "name": lane.name,
            "scenario": lane.scenario,
            "seed": lane.seed,
            "soil": lane.soil,
        }
        for lane in suite.lanes
    ]
    document = build_document(
        suite.name,
        lanes,
        [(d.label, d.name, dict(d.params)) for d in suite.detectors],
        results,
        config,
    )
    document["timing"]["wall_s"] = wall_s
    document["timing"]["executor"] = executor.describe()
    return document


def build_document(
    suite_name: str,
    lanes: Sequence[Mapping[str, Any]],
    detectors: Sequence[tuple[str, str, Mapping[str, Any]]],
    job_results: Sequence[Mapping[str, Any]],
    config: ScoringConfig,
) -> dict[str, Any]:
    """Pool job results per detector configuration into the results document.

    Parameters
    ----------
    suite_name : str
        Name for the report.
    lanes : sequence of mapping
        ``name``, ``scenario``, ``seed``, ``soil`` of each lane, in suite order.
    detectors : sequence of (label, name, params)
        Detector configurations, in suite order.
    job_results : sequence of mapping
        What the pipeline's ``evaluate`` returned, one per (lane, detector).
    config : ScoringConfig
        The scoring settings used.

    Returns
    -------
    dict
        ``suite``, ``detsig_version``, ``halo``, ``partial_auc_bound``, ``pd_vs_halo_mode``,
        ``lanes``, ``detectors``, ``results`` (per configuration: ``summary``, ``pd_vs_halo``,
        ``lanes``) and ``timing`` (kept apart: it is the only part that varies between runs).
    """
    from detsig._version import __version__

    by_lane = {lane["name"]: dict(lane) for lane in lanes}
    for job in job_results:
        by_lane[job["lane"]].update(job["lane_meta"])
    soil_of = {name: lane["soil"] for name, lane in by_lane.items()}
    results = []
    timing: dict[str, Any] = {"detectors": {}}
    for label, name, params in detectors:
        mine = [job for job in job_results if job["detector"] == label]
        if not mine:
            continue
        scores = [LaneScore.from_dict(job["lane_score"]) for job in mine]
        summary = summarize(
            scores, lane_soil=soil_of, max_false_alarms_per_m2=config.max_false_alarms_per_m2
        )
        # false alarms per metre of lane, the unit of a single line (a radar's footprint
        # width is a convention, its length is not)
        summary["length_m"] = math.fsum(score.length_m for score in scores)
        summary["false_alarms_per_m"] = (
            summary["n_false_alarms"] / summary["length_m"] if summary["length_m"] > 0 else 0.0
        )
        results.append(
            {
                "detector": label,
                "name": name,
                "params": dict(params),
                "summary": summary,
                "pd_vs_halo": pool_pd_vs_halo([job["pd_vs_halo"] for job in mine]),
                "pd_vs_halo_mode": config.halo.mode,
                "lanes": [
                    {
                        "lane": job["lane"],
                        "n_candidates": job["n_candidates"],
                        "targets": job["lane_score"]["targets"],
                        "candidate_status": job["lane_score"]["candidate_status"],
                    }
                    for job in mine
                ],
            }
        )
        runtimes = [float(job["runtime_s"]) for job in mine]
        timing["detectors"][label] = {
            "total_s": math.fsum(runtimes),
            "per_lane_median_s": statistics.median(runtimes),
        }
    return {
        "suite": suite_name,
        "detsig_version": __version__,
        "halo": {"mode": config.halo.mode, "halo_m": config.halo.halo_m},
        "partial_auc_bound": config.max_false_alarms_per_m2,
        "pd_vs_halo_mode": config.halo.mode,
        "lanes": list(by_lane.values()),
        "detectors": [
            {"label": label, "name": name, "params": dict(params)}
            for label, name, params in detectors
        ],
        "results": results,
        "timing": timing,
    }


def write_outputs(document: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write ``results.json``, ``roc.png`` and ``report.md`` into ``folder`` (new files only).

    Parameters
    ----------
    document : mapping
        The results document of :func:`run_suite`.
    folder : Path
        Output folder, created when missing.

    Returns
    -------
    list of Path
        ``report.md``, ``results.json`` and ``roc.png``, in that order.

    Raises
    ------
    UsageError
        If one of the three files exists.
    """
    import json

    from detsig.bench.report import plot_roc, suite_report_markdown

    folder.mkdir(parents=True, exist_ok=True)
    results_path = folder / "results.json"
    roc_path = folder / "roc.png"
    report_path = folder / "report.md"
    for path in (results_path, roc_path, report_path):
        if path.exists():
            raise UsageError(f"{path} already exists; give -o a new or empty folder")
    with open(results_path, "x", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1, allow_nan=False)
        stream.write("\n")
    plot_roc(document, roc_path)
    with open(report_path, "x", encoding="utf-8") as stream:
        stream.write(suite_report_markdown(document, roc_path.name))
    return [report_path, results_path, roc_path]
