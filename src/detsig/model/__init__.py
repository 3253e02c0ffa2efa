"""The data objects of detsig: frozen, validated, units in their names; no I/O here."""

from detsig.model.candidate import CANDIDATE_FIELDS, Candidate
from detsig.model.gpr import (
    GPR_KINDS,
    SPEED_OF_LIGHT_M_PER_S,
    GprHeader,
    GprScan,
    permittivity_from_velocity,
    velocity_from_permittivity,
)
from detsig.model.md import MdHeader, MdSeries
from detsig.model.radar import COMPLEX_INT16, SPEED_OF_LIGHT_AIR_M_S
from detsig.model.rows import RowBlock
from detsig.model.track import FIX_QUALITY_NAMES, TRACK_FIELDS, PositionTrack
from detsig.model.truth import GroundTruth, TruthTarget

#: The description of a sensor stream: a GPR (or radar) header or a metal-detector header.
StreamHeader = GprHeader | MdHeader

__all__ = [
    "CANDIDATE_FIELDS",
    "COMPLEX_INT16",
    "FIX_QUALITY_NAMES",
    "GPR_KINDS",
    "SPEED_OF_LIGHT_AIR_M_S",
    "SPEED_OF_LIGHT_M_PER_S",
    "TRACK_FIELDS",
    "Candidate",
    "GprHeader",
    "GprScan",
    "GroundTruth",
    "MdHeader",
    "MdSeries",
    "PositionTrack",
    "RowBlock",
    "StreamHeader",
    "TruthTarget",
    "permittivity_from_velocity",
    "velocity_from_permittivity",
]
