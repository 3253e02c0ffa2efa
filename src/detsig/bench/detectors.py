"""The detectors a benchmark runs: names, parameter sets, operating thresholds, running one.

This is the only place the benchmark touches :mod:`detsig.detect`; names, default thresholds
and the parameter variants come from its detector table (:data:`detsig.detect.DETECTORS`). A
detector runs with ``all_scores=True`` so that every scored peak is a candidate and the ROC
curve can be swept over ``score``; the operating point of the tables is the detector's
threshold (its default, or the ``threshold`` of the parameter set).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from detsig.model import Candidate

__all__ = ["available_detectors", "operating_threshold", "parameter_sets", "run_detector"]


def available_detectors() -> list[str]:
    """Names of the registered detectors, in registry order.

    Returns
    -------
    list of str
        Detector names accepted by :func:`run_detector`.
    """
    from detsig.detect import DETECTOR_NAMES

    return list(DETECTOR_NAMES)


def parameter_sets(name: str) -> list[dict[str, Any]]:
    """Parameter sets the ``standard`` suite runs for a detector (the defaults first).

    Parameters
    ----------
    name : str
        Registered detector name.

    Returns
    -------
    list of dict
        ``{}`` (the defaults), then the detector's variants
        (:attr:`detsig.detect.Detector.bench_variants`); only ``[{}]`` for a detector
        without variants.
    """
    from detsig.detect import get_detector

    return [{}, *(dict(v) for v in get_detector(name).bench_variants)]


def operating_threshold(name: str, params: Mapping[str, Any]) -> float:
    """The score threshold a detector reports at: ``params["threshold"]`` or its default.

    Parameters
    ----------
    name : str
        Registered detector name.
    params : mapping
        The detector parameters of the job.

    Returns
    -------
    float
        Score threshold, in the detector's score unit.
    """
    from detsig.detect import get_detector

    if "threshold" in params:
        return float(params["threshold"])
    return get_detector(name).default_threshold


def run_detector(
    name: str, params: Mapping[str, Any], path: str | os.PathLike[str]
) -> list[Candidate]:
    """Run a registered detector over a recording, reporting every scored peak.

    Parameters
    ----------
    name : str
        Registered detector name.
    params : mapping
        Detector parameters; ``threshold`` is not passed (see :func:`operating_threshold`).
    path : path-like
        The recording.

    Returns
    -------
    list of Candidate
        Every scored peak, ordered along the lane.
    """
    from detsig.detect import get_detector

    kwargs = {k: v for k, v in params.items() if k != "threshold"}
    return list(get_detector(name).detect(path, all_scores=True, **kwargs))
