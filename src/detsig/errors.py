"""Exceptions raised by detsig library code.

Library code raises these precise exceptions; the command line turns each into one clear
sentence and an exit code (``exit_code``): 2 for bad usage or bad input, 1 for a job that failed.
Counted events such as dropped frames are data, not exceptions.
"""

from __future__ import annotations


class DetsigError(Exception):
    """Base class of every error detsig raises on purpose; the message is one sentence."""

    exit_code = 1


class InputError(DetsigError):
    """The user gave something unusable: a bad argument, path, file or description."""

    exit_code = 2


class UsageError(InputError):
    """A command-line argument is wrong or missing."""


class RecordingError(InputError):
    """A detsig HDF5 recording cannot be written or read (exists, foreign, corrupt, truncated)."""


class FormatError(InputError):
    """A vendor or foreign file cannot be read (unknown variant, truncated, bad header)."""


class ScenarioError(InputError):
    """A simulation scenario description is invalid."""


class PipelineError(InputError):
    """A processing pipeline description is invalid."""


class FrameError(DetsigError):
    """A wire-protocol frame or message is malformed (used for message-level checks)."""

    exit_code = 2


class DeviceError(InputError):
    """A device or port cannot be used (missing, no permission, busy, silent)."""


class JobError(DetsigError):
    """A job ran and failed for a reason that is not the input's fault."""

    exit_code = 1
