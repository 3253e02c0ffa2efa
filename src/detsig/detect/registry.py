"""The detector table: every detector by name, with its parameters, default threshold,
detection presets and benchmark variants. The command line (``detsig detect --detector``,
``--pipeline PRESET``), the benchmark (:mod:`detsig.bench.detectors`) and the live path
(:class:`detsig.detect.live.DetectProcessor`, :class:`detsig.detect.lane.LaneDetector`) all
derive from :data:`DETECTORS`.

=================  =====================================================  ===================
name               what it does                                           default threshold
=================  =====================================================  ===================
``md-cfar``        metal detector: baseline, CFAR, hysteresis, decay fit  6.0 (CFAR ratio)
``gpr-energy``     GPR prescreener: window energy, CFAR across traces     1.7 (CFAR ratio)
``gpr-hyperbola``  GPR diffraction templates over velocity: apex, depth,  10.0 (CFAR ratio)
                   eps_r
``fused``          MD + GPR association and rules (see
                   :mod:`detsig.detect.fusion`)                           1.0 (fused score)
=================  =====================================================  ===================

Each detector is called as ``get_detector(name).detect(source, *, threshold=None,
all_scores=False, **params) -> list[Candidate]`` (or :func:`detect` with ``detector=name``):
``source`` is a recording path, an open recording, a vendor GPR file, a ``GprScan`` / ``MdSeries``
or a simulated lane; ``threshold`` overrides the default; ``all_scores`` returns every scored
peak (down to the hysteresis level) so that ROC curves can be swept over ``score``.

Detection presets (:data:`PRESETS`, ``detsig detect --pipeline NAME``, ``DetectProcessor(...,
preset=NAME)``) change only thresholds:

=================  ========================  ===================================
detector           ``sensitive``             ``strict``
=================  ========================  ===================================
``md-cfar``        threshold 4.0             threshold 10.0
``gpr-energy``     threshold 1.5             threshold 2.2
``gpr-hyperbola``  threshold 7.5             threshold 14.0
``fused``          md_threshold 4.0,         threshold 1.3
                   gpr_threshold 7.0
=================  ========================  ===================================

``default`` is every detector's own defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from detsig.detect.fusion import FusionParams
from detsig.detect.gpr_energy import EnergyParams
from detsig.detect.gpr_hyperbola import HyperbolaParams
from detsig.detect.lane_input import load_lane
from detsig.detect.md_detector import MdDetectorParams
from detsig.errors import InputError
from detsig.model import Candidate


@dataclass(frozen=True)
class Detector:
    """A named detector.

    Attributes
    ----------
    name : str
        Registry name.
    summary : str
        One line for listings.
    params_type : type
        Dataclass of its parameters (fields, defaults and docstring).
    presets : mapping of str to mapping
        Parameters of each detection preset (:data:`PRESET_NAMES`) that changes it.
    bench_variants : tuple of mapping
        Parameter sets the ``standard`` benchmark suite runs besides the defaults (the
        thresholds need no variant: the ROC curve covers them).
    """

    name: str
    summary: str
    params_type: type
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    bench_variants: tuple[Mapping[str, Any], ...] = ()

    @property
    def default_threshold(self) -> float:
        """Score threshold used when none is given."""
        return float(self.params_type().threshold)

    def parameters(self) -> dict[str, Any]:
        """Parameter names and default values.

        Returns
        -------
        dict
            ``{name: default}`` of every field of :attr:`params_type`.
        """
        return {f.name: f.default for f in dataclasses.fields(self.params_type)}

    def detect(
        self,
        source: Any,
        *,
        threshold: float | None = None,
        all_scores: bool = False,
        gpr_stream: str | None = None,
        md_stream: str | None = None,
        block_rows: int | None = None,
        **params: Any,
    ) -> list[Candidate]:
        """Run the detector over a lane.

        Parameters
        ----------
        source : path, Recording, GprScan, MdSeries or simulated lane
            Input (see :func:`detsig.detect.lane_input.load_lane`).
        threshold : float, optional
            Report candidates scoring at least this (default :attr:`default_threshold`).
        all_scores : bool
            Report every scored peak, for ROC sweeps.
        gpr_stream, md_stream : str, optional
            Stream names in a recording (default the first of each kind).
        block_rows : int, optional
            Feed the data in blocks of this many rows (the streaming path; same result).
        **params
            Detector parameters (:meth:`parameters`); for ``fused`` also ``md={...}`` /
            ``gpr={...}``, ``md.NAME`` / ``gpr.NAME`` and plain names of its two detectors'
            parameters (:func:`~detsig.detect.lane.split_fused_params`).

        Returns
        -------
        list of Candidate
            Ordered along the lane.
        """
        from detsig.detect.lane import run_lane

        with load_lane(source, gpr_stream=gpr_stream, md_stream=md_stream) as lane:
            if lane.gpr is None and lane.md is None:
                raise InputError(
                    f"{lane.source or 'the input'} holds no GPR or MD data to detect in"
                )
            return run_lane(
                lane,
                self.name,
                threshold=threshold,
                all_scores=all_scores,
                block_rows=block_rows,
                **params,
            )


#: The detector table, in listing order.
DETECTORS: dict[str, Detector] = {
    detector.name: detector
    for detector in (
        Detector(
            "md-cfar",
            "metal detector: baseline tracking, CFAR, hysteresis, one candidate per pass "
            "with the PI decay time constant or VLF phase",
            MdDetectorParams,
            presets={"sensitive": {"threshold": 4.0}, "strict": {"threshold": 10.0}},
            bench_variants=({"cfar_method": "os"},),
        ),
        Detector(
            "gpr-energy",
            "GPR prescreener: energy in a depth window, CFAR across traces",
            EnergyParams,
            presets={"sensitive": {"threshold": 1.5}, "strict": {"threshold": 2.2}},
        ),
        Detector(
            "gpr-hyperbola",
            "GPR hyperbola templates over a velocity grid: apex position, two-way time, "
            "depth, velocity and eps_r",
            HyperbolaParams,
            presets={"sensitive": {"threshold": 7.5}, "strict": {"threshold": 14.0}},
            bench_variants=({"n_velocities": 9},),
        ),
        Detector(
            "fused",
            "MD and GPR candidates associated; keeps minimum-metal mines, demotes small "
            "metal scrap",
            FusionParams,
            presets={
                "sensitive": {"md_threshold": 4.0, "gpr_threshold": 7.0},
                "strict": {"threshold": 1.3},
            },
            bench_variants=({"association_m": 0.3},),
        ),
    )
}

#: Detector names, in table order.
DETECTOR_NAMES: tuple[str, ...] = tuple(DETECTORS)
#: What a user may ask for: a detector name, or ``auto`` (:func:`resolve_detector`).
DETECTOR_CHOICES: tuple[str, ...] = ("auto", *DETECTOR_NAMES)
#: Detection presets: ``default`` (every detector's defaults), ``sensitive`` (lower
#: thresholds), ``strict`` (higher).
PRESET_NAMES: tuple[str, ...] = ("default", "sensitive", "strict")
#: Each preset's parameters by detector name (a detector the preset leaves alone is absent).
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    preset: {
        name: dict(detector.presets[preset])
        for name, detector in DETECTORS.items()
        if preset in detector.presets
    }
    for preset in PRESET_NAMES
}


def detection_preset(name: str) -> dict[str, dict[str, Any]]:
    """The parameters of a detection preset, by detector name.

    Parameters
    ----------
    name : str
        One of :data:`PRESET_NAMES`.

    Returns
    -------
    dict
        ``{detector name: {parameter: value}}`` (a copy; empty for ``default``).

    Raises
    ------
    InputError
        An unknown preset name (the message lists the presets).
    """
    if name not in PRESETS:
        raise InputError(
            f"there is no detection preset {name!r}; choose one of {', '.join(PRESET_NAMES)}",
            parameter="preset",
        )
    return {detector: dict(params) for detector, params in PRESETS[name].items()}


def check_detector_name(name: str, *, auto: bool = False) -> str:
    """``name`` if it is a detector of the table (or ``"auto"`` when ``auto``).

    Parameters
    ----------
    name : str
        The name asked for.
    auto : bool
        Accept ``"auto"`` (resolved later by :func:`resolve_detector`).

    Returns
    -------
    str
        The same name.

    Raises
    ------
    InputError
        Not a detector name (the message lists the choices).
    """
    if name in DETECTORS or (auto and name == "auto"):
        return name
    choices = DETECTOR_CHOICES if auto else DETECTOR_NAMES
    raise InputError(
        f"unknown detector {name!r}; choose one of {', '.join(choices)}", parameter="detector"
    )


def resolve_detector(name: str, has_md: bool, has_gpr: bool) -> str | None:
    """The detector to run: ``auto`` is fused with both sensors, else the one present.

    Parameters
    ----------
    name : str
        A detector name or ``"auto"``.
    has_md, has_gpr : bool
        Whether the input has a metal-detector / GPR stream.

    Returns
    -------
    str or None
        The detector name; None for ``auto`` without either sensor.
    """
    if name != "auto":
        return name
    if has_md and has_gpr:
        return "fused"
    if has_gpr:
        return "gpr-hyperbola"
    if has_md:
        return "md-cfar"
    return None


def get_detector(name: str) -> Detector:
    """The detector called ``name``.

    Parameters
    ----------
    name : str
        A name of the table (:data:`DETECTOR_NAMES`).

    Returns
    -------
    Detector

    Raises
    ------
    InputError
        An unknown name (the message lists the choices).
    """
    return DETECTORS[check_detector_name(name)]


def detect(
    source: Any,
    *,
    detector: str = "auto",
    threshold: float | None = None,
    all_scores: bool = False,
    **params: Any,
) -> list[Candidate]:
    """Run a detector by name over a lane.

    Parameters
    ----------
    source : str, Path, Recording, GprScan, MdSeries or simulated lane
        A detsig recording (path or open :class:`~detsig.io.recording.Recording`), a vendor
        GPR file that :func:`detsig.io.formats.read_any` reads, a ``GprScan`` (n_traces,
        n_samples), an ``MdSeries`` (n_frames, n_channels), or a ``SimulatedLane``
        (:func:`detsig.detect.lane_input.load_lane` describes each).
    detector : {"auto", "md-cfar", "gpr-energy", "gpr-hyperbola", "fused"}
        ``auto``: ``fused`` when the source has both a GPR and an MD stream, else
        ``gpr-hyperbola`` or ``md-cfar`` for the one present.
    threshold : float, optional
        Report candidates whose ``score`` is at least this; dimensionless, >= 0 (a CFAR
        ratio for the single-sensor detectors, default 6.0 / 1.7 / 10.0; a fused score for
        ``fused``, default 1.0). None: the detector's default.
    all_scores : bool
        Report every scored peak down to the hysteresis level (for ROC sweeps), not only
        those reaching ``threshold``.
    **params
        ``gpr_stream`` / ``md_stream`` (stream names in a recording; default the first of
        each kind), ``block_rows`` (feed the data in blocks of this many rows: the
        streaming path, same result), and the detector's parameters (see
        :meth:`Detector.parameters`; units in their names). For ``fused``: its own
        parameters (:class:`~detsig.detect.fusion.FusionParams`), ``md.NAME`` /
        ``gpr.NAME`` or ``md={...}`` / ``gpr={...}`` for its md-cfar and gpr-hyperbola, and
        plain names of theirs, which go to every one of the two that has them
        (:func:`~detsig.detect.lane.split_fused_params`).

    Returns
    -------
    list of Candidate
        Ordered along the lane (``x_m``, then time). ``depth_m`` (m) only from the GPR
        detectors, NaN otherwise or when the velocity is unknown; extras name the features
        of each detector (docs/detection.md).

    Raises
    ------
    InputError
        An unknown detector or parameter, a bad value, or a source without the streams the
        detector needs.

    Examples
    --------
    >>> import numpy as np
    >>> from detsig.model import MdSeries
    >>> x = np.random.default_rng(1).normal(0, 2, (3000, 1))
    >>> x[1500:1550] += 300.0
    >>> [c.detector for c in detect(MdSeries(x, 500.0, ("gate0",)))]
    ['md-cfar']
    """
    if detector != "auto":
        return get_detector(detector).detect(
            source, threshold=threshold, all_scores=all_scores, **params
        )
    with load_lane(
        source, gpr_stream=params.get("gpr_stream"), md_stream=params.get("md_stream")
    ) as lane:
        resolved = resolve_detector("auto", lane.md is not None, lane.gpr is not None)
        if resolved is None:
            raise InputError(f"{lane.source or 'the input'} holds no GPR or MD data")
        return get_detector(resolved).detect(
            lane, threshold=threshold, all_scores=all_scores, **params
        )
