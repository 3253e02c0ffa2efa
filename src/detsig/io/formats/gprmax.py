"""gprMax 3 and 4 output files (HDF5 ``.out`` / ``.h5``): A-scans and merged B-scans.

Layout: root attributes ``gprMax`` (version text), ``dt`` (s), ``Iterations``, ``nrx``, grid
size and cell size (gprMax 3 names them ``"nx, ny, nz"`` / ``"dx, dy, dz"``, gprMax 4
``nx_ny_nz`` / ``dx_dy_dz``), ``rxsteps`` / ``srcsteps`` (cells moved per model run). Each
receiver is a group ``rxs/rx<N>`` holding one dataset per field component (``Ex Ey Ez Hx Hy
Hz``, and ``Ix Iy Iz`` when asked for), shaped ``(n_samples,)`` for an A-scan or
``(n_samples, n_traces)`` for a merged B-scan. gprMax 4 adds per-dataset ``SampleInterval`` and
``TimeSampleOffset`` (magnetic components sit half a step early on the Yee grid) and, in merged
files, ``trace_metadata/{rxs,srcs}/<name>/Position`` with the model position of every trace.

The along-line position of a trace is the source-receiver midpoint projected on the axis along
which the antennas move.

Many components are zero by construction (a 2-D TMz model has only ``Ez Hx Hy``, a TEz model
only ``Ex Ey Hz``): the reader lists the components holding data, reads ``Ez`` by default only
when it holds data (else the first of :data:`DEFAULT_ORDER` that does), and refuses an all-zero
component asked for by name.

References
----------
Warren, C., Giannakis, A., Giannopoulos, A. (2016), gprMax: Open source software to simulate
electromagnetic wave propagation for Ground Penetrating Radar, Comput. Phys. Commun. 209,
163-170. gprMax ``tools/outputfiles_merge.py`` and ``tools/plot_Bscan.py`` (file layout);
ImpDAR ``impdar/lib/load/load_gprMax.py``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import FormatError
from detsig.io.formats._common import build_scan, hdf5_damage, json_safe, reject_options
from detsig.io.formats.registry import FormatPlugin
from detsig.model import GprScan

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
COMPONENTS = ("Ex", "Ey", "Ez", "Hx", "Hy", "Hz", "Ix", "Iy", "Iz")
#: Order in which the default component is chosen among those that hold data: ``Ez`` (the
#: usual TMz / z-dipole choice), then the other electric, magnetic and current components.
DEFAULT_ORDER = ("Ez", "Ey", "Ex", "Hz", "Hy", "Hx", "Iz", "Iy", "Ix")
#: Errors h5py raises for damaged files.
H5_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TypeError, IndexError, AttributeError)


def _attr(attrs: Any, *names: str) -> Any:
    for name in names:
        if name in attrs:
            value = attrs[name]
            return value.decode() if isinstance(value, bytes) else value
    return None


def _ez(present: list[str]) -> str:
    return "all zero" if "Ez" in present else "absent"


def _receiver_names(rxs: Any) -> list[str]:
    def number(name: str) -> int:
        digits = name[2:]
        return int(digits) if digits.isdigit() else 10**9

    return sorted(rxs.keys(), key=lambda name: (number(name), name))


def _along_line_m(
    midpoints: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], int]:
    """Positions along the axis of largest spread (x when all traces share a point)."""
    spread = np.ptp(midpoints, axis=0)
    axis = int(np.argmax(spread)) if np.any(spread > 0) else 0
    return np.ascontiguousarray(midpoints[:, axis]), axis


class GprMaxFormat(FormatPlugin):
    """gprMax 3 / 4 outputs: choose the field component; one scan per receiver."""

    name = "gprmax"
    extensions = ("out", "h5", "hdf5")
    description = "gprMax 3/4 simulation output (A-scan or merged B-scan), HDF5"

    def sniff(self, path: Path, head_bytes: bytes) -> bool:
        if not head_bytes.startswith(HDF5_SIGNATURE) or hdf5_damage(path):
            return False
        import h5py

        try:
            with h5py.File(path, "r") as file:
                return "gprMax" in file.attrs and "rxs" in file
        except H5_ERRORS:
            return False

    def read(
        self,
        path: Path,
        *,
        component: str | None = None,
        center_frequency_hz: float = math.nan,
        **options: Any,
    ) -> list[GprScan]:
        """Read one field component of every receiver.

        Parameters
        ----------
        path : Path
            The gprMax output file.
        component : str, optional
            Field component: ``Ex Ey Ez Hx Hy Hz`` (``Ix Iy Iz`` for transmission lines). By
            default ``Ez`` (the usual choice for 2-D TMz models and z-polarised dipoles) when it
            holds data, else the first of :data:`DEFAULT_ORDER` that does (e.g. ``Ey`` of a TEz
            model). A component that is zero at every receiver is refused, naming those that
            hold data; ``extra["components_with_data"]`` lists them.
        center_frequency_hz : float
            The source waveform's centre frequency, Hz, when known (not stored in the file).
        **options
            None are accepted; any given raises FormatError.

        Returns
        -------
        list of GprScan
            One scan per receiver (``gpr0``, ``gpr1`` ...), ``data`` of shape (n_traces, n_samples):
            one trace for an A-scan, one per model run for a merged B-scan, in the component's
            unit (V/m for E, A/m for H, A for I).
        """
        reject_options(self.name, options)
        if component is not None and component not in COMPONENTS:
            raise FormatError(
                f"unknown gprMax field component {component!r}; use one of {', '.join(COMPONENTS)}"
            )
        damage = hdf5_damage(path)
        if damage:
            raise FormatError(f"{path} is a damaged HDF5 file: {damage}")
        import h5py

        try:
            with h5py.File(path, "r") as file:
                return self._read_open(path, file, component, center_frequency_hz)
        except FormatError:
            raise
        except H5_ERRORS as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise FormatError(
                f"{path} is a damaged or truncated gprMax/HDF5 file ({first})"
            ) from None

    @staticmethod
    def _choose_component(path: Path, rxs: Any, asked: str | None) -> tuple[str, list[str], str]:
        """The component to read, the components holding data, and how it was chosen."""
        present = [c for c in COMPONENTS if any(c in rxs[name] for name in rxs)]
        with_data = [
            c
            for c in present
            if any(c in rxs[name] and np.any(np.asarray(rxs[name][c][()]) != 0) for name in rxs)
        ]
        if not with_data:
            raise FormatError(
                f"every field component of {path} ({', '.join(present) or 'none'}) is zero at "
                "every receiver: the model recorded no signal"
            )
        if asked is None:
            chosen = next(c for c in DEFAULT_ORDER if c in with_data)
            rule = "default Ez" if chosen == "Ez" else f"first with data (Ez is {_ez(present)})"
            return chosen, with_data, rule
        if asked in present and asked not in with_data:
            raise FormatError(
                f"the {asked} component of {path} is zero at every receiver (no signal); "
                f"components with data: {', '.join(with_data)}; choose one with component=..."
            )
        return asked, with_data, "asked"

    def _read_open(
        self, path: Path, file: Any, asked: str | None, center_frequency_hz: float
    ) -> list[GprScan]:
        attrs = file.attrs
        version = str(_attr(attrs, "gprMax") or "")
        if "rxs" not in file or not len(file["rxs"]):
            raise FormatError(f"{path} is a gprMax file without receivers (no rxs group)")
        component, with_data, rule = self._choose_component(path, file["rxs"], asked)
        dt = _attr(attrs, "dt")
        cell = _attr(attrs, "dx_dy_dz", "dx, dy, dz")
        rxsteps = _attr(attrs, "rxsteps")
        srcsteps = _attr(attrs, "srcsteps")
        global_extra = {
            key: json_safe(attrs[key]) for key in attrs if key not in ("ReceiverLayout",)
        }
        global_extra["gprmax_version"] = version
        global_extra["component"] = component
        global_extra["component_rule"] = rule
        global_extra["components_with_data"] = with_data
        scans = []
        for channel, rx_name in enumerate(_receiver_names(file["rxs"])):
            rx = file["rxs"][rx_name]
            if component not in rx:
                present = ", ".join(k for k in rx if k in COMPONENTS)
                raise FormatError(
                    f"{path} has no {component} component for receiver {rx_name} "
                    f"(it has: {present or 'none'}); choose one with component=..."
                )
            dataset = rx[component]
            if dataset.ndim == 1:
                data = np.asarray(dataset[()]).reshape(1, -1)
            elif dataset.ndim == 2:
                data = np.ascontiguousarray(np.asarray(dataset[()]).T)
            else:
                raise FormatError(
                    f"{path}: {rx_name}/{component} has shape {dataset.shape}; expected "
                    "(n_samples,) or (n_samples, n_traces)"
                )
            iterations = _attr(attrs, "Iterations")
            if iterations is not None and int(iterations) != data.shape[1]:
                raise FormatError(
                    f"{path} contradicts itself: Iterations = {int(iterations)} but "
                    f"{rx_name}/{component} holds {data.shape[1]} samples per trace"
                )
            interval = _attr(dataset.attrs, "SampleInterval")
            interval = float(interval if interval is not None else (dt if dt is not None else 0))
            offset = _attr(dataset.attrs, "TimeSampleOffset")
            extra = dict(global_extra)
            extra["receiver"] = rx_name
            extra.update({f"rx_{k}": json_safe(v) for k, v in rx.attrs.items()})
            distance_m = self._positions(file, rx_name, rx, data.shape[0], extra)
            trace_step_m = None
            if rxsteps is not None and cell is not None:
                step_vector = np.asarray(rxsteps, float) * np.asarray(cell, float)
                length = float(np.linalg.norm(step_vector))
                trace_step_m = length if math.isfinite(length) and length > 0 else None
            if srcsteps is not None:
                extra["srcsteps"] = json_safe(srcsteps)
            scans.append(
                build_scan(
                    path,
                    data=data,
                    header=dict(
                        sample_interval_s=interval,
                        center_frequency_hz=center_frequency_hz,
                        time_zero_s=-float(offset) if offset is not None else 0.0,
                        # the offset places the source's start, not the ground surface
                        time_zero_stated=False,
                        trace_step_m=trace_step_m,
                        antenna=f"gprMax {version} {rx_name} {component}".strip(),
                        source_format=self.name,
                        extra=extra,
                    ),
                    distance_m=distance_m,
                    name=f"gpr{channel}",
                )
            )
        return scans

    @staticmethod
    def _positions(
        file: Any, rx_name: str, rx: Any, n_traces: int, extra: dict[str, Any]
    ) -> npt.NDArray[np.float64] | None:
        """Per-trace midpoint positions (gprMax 4 trace_metadata, or a single A-scan)."""
        meta = file.get("trace_metadata")
        rx_position = None
        src_position = None
        if meta is not None and "rxs" in meta and rx_name in meta["rxs"]:
            rx_position = np.asarray(meta["rxs"][rx_name]["Position"][()], np.float64)
            sources = meta.get("srcs")
            if sources is not None and len(sources):
                first = sorted(sources.keys())[0]
                src_position = np.asarray(sources[first]["Position"][()], np.float64)
        elif n_traces == 1 and "Position" in rx.attrs:
            rx_position = np.asarray(rx.attrs["Position"], np.float64).reshape(1, 3)
            sources = file.get("srcs")
            if sources is not None and len(sources):
                first = sorted(sources.keys())[0]
                if "Position" in sources[first].attrs:
                    src_position = np.asarray(sources[first].attrs["Position"], float).reshape(1, 3)
        if rx_position is None:
            return None
        if rx_position.shape != (n_traces, 3):
            raise FormatError(
                f"trace_metadata gives {rx_position.shape[0]} receiver positions for "
                f"{n_traces} traces"
            )
        midpoint = rx_position
        if src_position is not None and src_position.shape == rx_position.shape:
            midpoint = (rx_position + src_position) / 2.0
            extra["position_rule"] = "source-receiver midpoint"
        else:
            extra["position_rule"] = "receiver position"
        along, axis = _along_line_m(midpoint)
        extra["position_axis"] = "xyz"[axis]
        return along
