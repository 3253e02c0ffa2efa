"""Exceptions raised by detsig library code: every exception class of the package is here.

Library code raises these precise exceptions; the command line turns each into one clear
sentence and an exit code (``exit_code``): 2 for bad usage or bad input, 1 for a job that failed
(including a device link lost while it was in use). Counted events such as dropped frames are
data, not exceptions.

Library messages speak of the domain ("the baud rate", "an output folder"), never of
command-line flags. When a value the user gave is the cause, the error names it in
``parameter`` (the keyword or option name, e.g. ``"baud"``) and the command line appends the
flag that sets it.
"""

from __future__ import annotations


class DetsigError(Exception):
    """Base class of every error detsig raises on purpose; the message is one sentence.

    Parameters
    ----------
    message : str
        One sentence saying what is wrong and what to do, in domain words.
    parameter : str or tuple of str, optional
        The machine-readable name of the value at fault (``"baud"``, ``"out"``, ``"seed"``;
        a keyword argument or option name in snake case), or the names of the values of which
        one must change (``("port", "gnss")``); the command line maps each to its flag. None
        when no value the user gave is the cause.

    Attributes
    ----------
    parameters : tuple of str
        ``parameter`` as a tuple (empty when None).
    """

    exit_code = 1

    def __init__(
        self, message: str = "", *, parameter: str | tuple[str, ...] | None = None
    ) -> None:
        super().__init__(message)
        self.parameters: tuple[str, ...] = (
            () if parameter is None else (parameter,) if isinstance(parameter, str) else parameter
        )


class InputError(DetsigError):
    """The user gave something unusable: a bad argument, path, file or description."""

    exit_code = 2


class UsageError(InputError):
    """A command-line argument or library option is wrong or missing."""


class ParameterError(InputError, ValueError):
    """A filter parameter or input array is unusable; the message names it and what was expected."""


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
    """A device or port cannot be used (missing, no permission, busy, silent, not a detsig
    device): the user's setup needs changing."""


class HandshakeError(DeviceError):
    """A device did not complete one step of its handshake.

    Parameters
    ----------
    message : str
        One sentence saying what went wrong and what to check.
    step : str
        The handshake step that failed (``"hello"``, ``"get_system_info"``, ``"setup"``,
        ``"header line"`` ...).
    parameter : str or tuple of str, optional
        The setting the user should check first (``"baud"``), as in :class:`DetsigError`.
    """

    def __init__(
        self, message: str, *, step: str, parameter: str | tuple[str, ...] | None = None
    ) -> None:
        super().__init__(message, parameter=parameter)
        self.step = step


class JobError(DetsigError):
    """A job ran and failed for a reason that is not the input's fault."""

    exit_code = 1


class LinkLost(JobError):  # noqa: N818 - an event of the link, named like one
    """An open port stopped working (cable pulled, device reset, pty closed).

    Not bad input: the port was fine when it was opened, so a lost link that ends a job is a
    failed job (exit code 1), unlike a port that is missing, forbidden or busy
    (:class:`DeviceError`, exit code 2).
    """
