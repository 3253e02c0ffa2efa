"""What every detector's parameter set shares: building it from keyword parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from detsig.errors import InputError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

P = TypeVar("P", bound="DataclassInstance")


def params_from_kwargs(cls: type[P], label: str, params: Mapping[str, Any]) -> P:
    """Build the parameter dataclass ``cls`` from keyword parameters.

    Parameters
    ----------
    cls : type
        A frozen dataclass of detector parameters.
    label : str
        Name of the detector in the message about an unknown parameter (``"md-cfar"``).
    params : mapping
        Field values; missing fields keep their defaults.

    Raises
    ------
    InputError
        A parameter that ``cls`` does not have, named with the known ones.
    """
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(params) - known)
    if unknown:
        raise InputError(
            f"{label} has no parameter {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    return cls(**params)


class DetectorParams:
    """Base of the frozen parameter dataclasses of the detectors.

    A subclass names its detector in ``detector_name``; :meth:`from_kwargs` then builds it from
    keyword parameters with a clear error for an unknown one.
    """

    detector_name: ClassVar[str]

    @classmethod
    def from_kwargs(cls, **params: Any) -> Self:
        """Build from keyword parameters, naming an unknown one clearly.

        Parameters
        ----------
        **params
            Field values; missing fields keep their defaults.

        Returns
        -------
        DetectorParams
            An instance of the subclass it is called on.
        """
        return params_from_kwargs(cls, cls.detector_name, params)  # type: ignore[type-var]


def resolve_params(cls: type[P], label: str, params: P | None, overrides: Mapping[str, Any]) -> P:
    """The parameters a batch detector runs with: ``params`` with single fields overridden by
    ``overrides``, or, without ``params``, ``cls`` built from ``overrides``."""
    if params is None:
        return params_from_kwargs(cls, label, overrides)
    if overrides:
        return replace(params, **overrides)
    return params
