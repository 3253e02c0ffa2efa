"""Anomaly detectors for metal-detector and GPR data, and their fusion.

Every detector produces :class:`~detsig.model.Candidate` objects with a ``score`` (higher is
more confident) and runs the same way in batch and in streaming form:

- ``md-cfar`` (:mod:`detsig.detect.md_detector`): baseline tracking, CA/OS-CFAR, hysteresis,
  minimum duration, decay time constant (PI) or phase (VLF);
- ``gpr-energy`` (:mod:`detsig.detect.gpr_energy`): background removal and CFAR of the energy
  in a depth window across traces;
- ``gpr-hyperbola`` (:mod:`detsig.detect.gpr_hyperbola`): diffraction templates over a
  velocity grid, apex, depth and relative permittivity;
- ``fused`` (:mod:`detsig.detect.fusion`): MD/GPR association and dual-sensor rules.

:func:`detect` runs one by name; :class:`DetectProcessor` runs one live in ``detsig record``.
Algorithms, parameters, references and measured performance: ``docs/detection.md``.
"""

from detsig.detect.cfar import CfarParams, ca_cfar, cfar_ratio, os_cfar
from detsig.detect.fusion import FusionParams, fuse_candidates, fused_score
from detsig.detect.gpr_energy import EnergyParams, detect_energy
from detsig.detect.gpr_hyperbola import HyperbolaParams, detect_hyperbolas
from detsig.detect.lane import LaneDetector
from detsig.detect.live import DetectProcessor
from detsig.detect.md_detector import MdDetectorParams, detect_md, fit_decay
from detsig.detect.registry import (
    DETECTOR_CHOICES,
    DETECTOR_NAMES,
    DETECTORS,
    PRESET_NAMES,
    PRESETS,
    Detector,
    detect,
    detection_preset,
    get_detector,
)


def live_processor(detector: str = "auto", **options: object) -> DetectProcessor:
    """The live detector of ``detsig record --detect``.

    Parameters
    ----------
    detector : str
        Detector name; ``auto``: fused with GPR and MD, else the detector of the sensor
        present.
    **options
        ``threshold``, ``all_scores``, ``preset`` (a detection preset of
        :data:`~detsig.detect.registry.PRESETS`) and detector parameters (default thresholds
        unless given), as for :class:`DetectProcessor`.

    Returns
    -------
    DetectProcessor
        The recorder's ``LiveProcessor``.
    """
    return DetectProcessor(detector, **options)  # type: ignore[arg-type]


__all__ = [
    "DETECTORS",
    "DETECTOR_CHOICES",
    "DETECTOR_NAMES",
    "PRESETS",
    "PRESET_NAMES",
    "CfarParams",
    "DetectProcessor",
    "Detector",
    "EnergyParams",
    "FusionParams",
    "HyperbolaParams",
    "LaneDetector",
    "MdDetectorParams",
    "ca_cfar",
    "cfar_ratio",
    "detect",
    "detect_energy",
    "detect_hyperbolas",
    "detect_md",
    "detection_preset",
    "fit_decay",
    "fuse_candidates",
    "fused_score",
    "get_detector",
    "live_processor",
    "os_cfar",
]
