"""Scoring detectors against ground truth, detection suites on Dask, speed benchmarks.

- :func:`score_lane` / :func:`summarize`: Pd with exact intervals, false alarms per m2,
  clutter hits, strata, ROC, partial AUC (``docs/metrics.md`` defines every metric);
- :class:`Halo` and :class:`MatchProblem`: one-to-one halo matching by optimal assignment;
- :func:`clopper_pearson`, :func:`lower_confidence_bound`, :func:`zero_miss_sample_size`;
- :func:`run_suite` and :func:`fan_out`: lanes x detectors x parameter sets on a local or
  remote Dask cluster, or in-process.
"""

from detsig.bench.fanout import Executor, fan_out
from detsig.bench.inputs import load_truth
from detsig.bench.matching import Assignment, Halo, MatchProblem
from detsig.bench.score import (
    Curve,
    LaneScore,
    TargetOutcome,
    partial_auc,
    pd_vs_halo,
    pool_curves,
    score_lane,
    summarize,
)
from detsig.bench.stats import clopper_pearson, lower_confidence_bound, zero_miss_sample_size
from detsig.bench.suite import (
    DetectorSpec,
    LaneSpec,
    ScoringConfig,
    Suite,
    get_suite,
    run_suite,
)

__all__ = [
    "Assignment",
    "Curve",
    "DetectorSpec",
    "Executor",
    "Halo",
    "LaneScore",
    "LaneSpec",
    "MatchProblem",
    "ScoringConfig",
    "Suite",
    "TargetOutcome",
    "clopper_pearson",
    "fan_out",
    "get_suite",
    "load_truth",
    "lower_confidence_bound",
    "partial_auc",
    "pd_vs_halo",
    "pool_curves",
    "run_suite",
    "score_lane",
    "summarize",
    "zero_miss_sample_size",
]
