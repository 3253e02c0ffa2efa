"""Run a processing pipeline over a whole file: the job behind ``detsig process``.

Reads a detsig recording (or any vendor GPR file the format registry reads) and writes a NEW
recording: processed GPR/MD streams as float32, every other stream copied, ground truth and
events copied, and the provenance (steps with every parameter, detsig version, input file and
recording id) as the ``processing`` attribute of each processed stream and as ``/processing``.
Streamable pipelines run chunk by chunk, so a file larger than memory never loads at once.

This module sits above ``detsig.io`` and ``detsig.dsp`` (it joins the two): ``dsp`` never reads
files and ``io`` never processes signals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detsig.io.writer import WRITER_STREAM_ATTRS
from detsig.model import GprHeader, MdHeader


def load_pipeline_or_presets(name: str | None) -> Any:
    """The pipeline to run: a preset name or TOML file, or (``None``) the GPR and MD presets.

    Parameters
    ----------
    name : str or None
        Preset name (``gpr-default``, ``md-default``) or path of a pipeline ``.toml`` file;
        ``None`` combines ``gpr-default`` for GPR streams with ``md-default`` for MD streams.

    Returns
    -------
    Pipeline
        The validated pipeline.
    """
    from detsig.dsp.pipeline import Pipeline, load_pipeline

    if name is not None:
        return load_pipeline(name)
    gpr = load_pipeline("gpr-default")
    md = load_pipeline("md-default")
    return Pipeline(
        "gpr-default+md-default",
        "gpr-default for GPR streams, md-default for MD streams",
        {"gpr": gpr.steps_for("gpr"), "md": md.steps_for("md")},
        source="presets",
    )


def _gpr_header(header: GprHeader, traces: Any = None, distance_m: Any = None) -> GprHeader:
    """The header a GPR stream's pipeline runs with: trace step, time zero and centre
    frequency from the one resolver (:func:`detsig.dsp.resolve_gpr_header`, lenient: a step
    that needs what is still unknown says so), so ``detsig process``, ``detsig detect`` and
    ``detsig view`` put time zero and the traces at the same place."""
    from detsig.dsp.header import resolve_gpr_header

    return resolve_gpr_header(header, traces=traces, distance_m=distance_m, strict=False)


def _stream_header(stream: Any) -> GprHeader | MdHeader:
    from detsig.dsp.header import ESTIMATE_TRACES

    header = stream.header
    if isinstance(header, MdHeader):
        return header
    distance = None
    if "distance_m" in stream.columns and stream.n_rows > 1:
        distance = stream.column("distance_m", 0, min(stream.n_rows, 100_000))
    traces = stream.data[: min(stream.n_rows, ESTIMATE_TRACES)] if stream.n_rows else None
    return _gpr_header(header, traces, distance)


class _Source:
    """Rows of one input stream, read lazily: a recording stream or an in-memory scan."""

    def __init__(
        self,
        name: str,
        kind: str,
        data: Any,
        columns: dict[str, Any],
        context: Any,
        attrs: dict[str, Any],
        device: dict[str, Any],
    ) -> None:
        self.name = name
        self.kind = kind
        self.data = data
        self.columns = columns
        self.context = context
        self.attrs = attrs
        self.device = device
        self.n_rows = int(data.shape[0])
        self.width = int(data.shape[1])
        self.dtype = data.dtype


_ROW_COLUMNS = ("seq", "device_time_us", "host_time_ns", "distance_m")
_STREAM_ATTRS_SET_BY_WRITER = WRITER_STREAM_ATTRS | {"processing"}


def _recording_sources(recording: Any) -> tuple[list[_Source], list[Any]]:
    sources, tracks = [], []
    for name in recording.stream_names:
        stream = recording.streams[name]
        if stream.kind == "gnss":
            tracks.append(stream)
            continue
        n = stream.n_rows
        columns = {c: stream.group[c] for c in stream.columns if c != "data"}
        context = _stream_header(stream)
        sources.append(
            _Source(
                name,
                stream.kind,
                stream.data,
                {c: (v, n) for c, v in columns.items()},
                context,
                dict(stream.attrs),
                stream.device,
            )
        )
        sources[-1].n_rows = n
    return sources, tracks


def _scan_sources(scans: list[Any]) -> list[_Source]:
    import numpy as np

    sources = []
    for scan in scans:
        header = scan.header
        columns: dict[str, Any] = {}
        for name in ("distance_m", "lat_deg", "lon_deg"):
            value = getattr(scan, name)
            if value is not None:
                columns[name] = (value, scan.n_traces)
        if scan.trace_time_s is not None and np.isfinite(scan.trace_time_s).all():
            columns["device_time_us"] = ((scan.trace_time_s * 1e6).astype("u8"), scan.n_traces)
        context = _gpr_header(header, scan.data if scan.n_traces else None, scan.distance_m)
        attrs = {
            "center_frequency_hz": header.center_frequency_hz,
            "sample_interval_s": header.sample_interval_s,
            "time_zero_s": context.time_zero_s,
            "source_format": header.source_format,
        }
        if header.trace_step_m:
            attrs["trace_step_m"] = header.trace_step_m
        if header.traces_per_s:
            attrs["traces_per_s"] = header.traces_per_s
        sources.append(
            _Source(
                scan.name,
                "gpr",
                scan.data,
                columns,
                context,
                attrs,
                {"device": "gpr", "model": header.antenna},
            )
        )
    return sources


def _declare(
    writer: Any, source: _Source, width: int, dtype: Any, context: Any, attrs: dict[str, Any]
) -> Any:
    extra = {
        name: (value.dtype if hasattr(value, "dtype") else "f8")
        for name, (value, _) in source.columns.items()
        if name not in _ROW_COLUMNS
    }
    kept = {k: v for k, v in source.attrs.items() if k not in _STREAM_ATTRS_SET_BY_WRITER}
    kept.update(attrs)
    if source.kind == "gpr":
        return writer.add_gpr_stream(
            source.name,
            n_samples=width,
            dtype=dtype,
            sample_interval_s=context.sample_interval_s,
            center_frequency_hz=context.center_frequency_hz,
            time_zero_s=context.time_zero_s,
            device=source.device,
            extra_columns=extra,
            attrs=kept,
        )
    import json

    names = source.attrs.get("channel_names", "[]")
    channel_names = json.loads(names) if isinstance(names, str) else list(names)
    return writer.add_md_stream(
        source.name,
        n_channels=width,
        dtype=dtype,
        sample_rate_hz=context.sample_rate_hz,
        channel_names=channel_names or None,
        units=str(source.attrs.get("units", "adc_counts")),
        device=source.device,
        extra_columns=extra,
        attrs=kept,
    )


def _columns(source: _Source, start: int, stop: int) -> dict[str, Any]:
    import numpy as np

    return {name: np.asarray(value[start:stop]) for name, (value, _) in source.columns.items()}


def process_file(
    input_path: Path,
    output_path: Path,
    pipeline: Any,
    *,
    streams: list[str] | None = None,
    chunk_rows: int | None = None,
    progress: bool = False,
) -> list[str]:
    """Process ``input_path`` into the new recording ``output_path``; returns summary lines.

    The output file is removed again if processing fails, so a failed run leaves nothing.

    Parameters
    ----------
    input_path : Path
        A detsig recording or a vendor GPR file.
    output_path : Path
        The recording to create; must not exist.
    pipeline : Pipeline
        The processing pipeline.
    streams : list of str, optional
        Names of the streams to process; all streams the pipeline has steps for when None.
        Other streams are copied unprocessed.
    chunk_rows : int, optional
        Rows processed per chunk; about 8 MiB of float32 per chunk when None.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    list of str
        Human-readable summary lines, the last one naming the written file.

    Raises
    ------
    UsageError
        An unknown stream name, or no stream the pipeline has steps for.
    """
    import contextlib
    import datetime as _dt
    import json

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from detsig._version import __version__
    from detsig.errors import UsageError
    from detsig.io.recording import RecordingWriter, is_detsig_recording, open_recording

    with contextlib.ExitStack() as stack:
        recording_id = ""
        tracks: list[Any] = []
        root: dict[str, Any] = {}
        if is_detsig_recording(input_path):
            recording = stack.enter_context(open_recording(input_path))
            sources, tracks = _recording_sources(recording)
            recording_id = str(recording.attrs.get("recording_id", ""))
            root = {k: recording.attrs.get(k, "") for k in ("operator", "site", "notes")}
        else:
            from detsig.io.formats import read_any

            recording = None
            sources = _scan_sources(read_any(input_path))
        names = [s.name for s in sources] + [t.name for t in tracks]
        if streams is not None:
            missing = sorted(set(streams) - set(names))
            if missing:
                raise UsageError(
                    f"no stream(s) {missing} in {input_path.name}; it has {', '.join(names)}"
                )
        selected = {
            s.name
            for s in sources
            if pipeline.steps_for(s.kind) and (streams is None or s.name in streams)
        }
        if not selected:
            raise UsageError(
                f"the pipeline {pipeline.name} has no steps for the streams of "
                f"{input_path.name} ({', '.join(f'{s.name}: {s.kind}' for s in sources)})"
            )
        bound = {s.name: pipeline.bind(s.context) for s in sources if s.name in selected}
        record = {
            "detsig_version": __version__,
            "pipeline": pipeline.name,
            "pipeline_source": pipeline.source,
            "input_file": str(input_path),
            "input_recording_id": recording_id,
            "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "streams": {},
        }
        console = Console(stderr=True)
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeRemainingColumn(),
            console=console,
            disable=not progress,
            transient=True,
        )
        stack.enter_context(bar)
        summary = []
        writer = RecordingWriter(
            output_path, fsync=False, attrs={"processed_from": str(input_path)}, **root
        )
        ok = False
        try:
            for source in sources:
                if source.name in selected:
                    line = _process_source(
                        writer, source, bound[source.name], record, bar, chunk_rows
                    )
                else:
                    line = _copy_source(writer, source, bar, chunk_rows)
                summary.append(line)
            for track in tracks:
                gnss = writer.add_gnss_stream(track.name, device=track.device)
                gnss.append(track.read_track())
                summary.append(f"{track.name}: gnss, {track.n_rows} fixes copied")
            if recording is not None:
                for event in recording.events():
                    writer.add_event(
                        event.kind,
                        stream=event.stream,
                        detail=event.detail,
                        host_time_ns=event.host_time_ns,
                    )
                truth = recording.truth()
                if truth is not None:
                    writer.write_truth(truth)
                    summary.append(f"truth: {len(truth.targets)} targets copied")
            writer.file.create_dataset("processing", data=json.dumps(record))
            writer.close()
            ok = True
        finally:
            if not ok:
                with contextlib.suppress(Exception):
                    writer.close()
                with contextlib.suppress(OSError):
                    output_path.unlink()
    summary.append(f"wrote {output_path}")
    return summary


def _default_chunk(source: _Source, chunk_rows: int | None) -> int:
    if chunk_rows:
        return chunk_rows
    return max(8 * 1024 * 1024 // max(source.width * 4, 1), 1)


def _process_source(
    writer: Any,
    source: _Source,
    bound: Any,
    record: dict[str, Any],
    bar: Any,
    chunk_rows: int | None,
) -> str:
    import json

    import numpy as np

    from detsig._version import __version__

    n = source.n_rows
    step = _default_chunk(source, chunk_rows)
    task = bar.add_task(f"{source.name} ({source.kind})", total=n)
    if bound.needs_prepare:
        bound.prepare(np.asarray(source.data[i : i + step]) for i in range(0, n, step))
    streamable = bound.streamable
    out_context = bound.output_context
    steps = bound.provenance()
    provenance = {
        "steps": steps,
        "pipeline": bound.pipeline.name,
        "detsig_version": __version__,
        "input_file": record["input_file"],
        "input_recording_id": record["input_recording_id"],
        "input_stream": source.name,
    }
    record["streams"][source.name] = provenance
    attrs: dict[str, Any] = {"processing": json.dumps(provenance)}
    width = source.width
    if steps and steps[-1]["step"] == "time_to_depth":  # the last step changes the sample axis
        from detsig.dsp.depth import time_to_depth

        last = bound.steps[-1]
        _, depth_m = time_to_depth(
            np.zeros((1, source.width)),
            bound.contexts[-1].sample_interval_s,
            last.params["velocity_m_per_s"],
            time_zero_s=bound.contexts[-1].time_zero_s,
            depth_step_m=last.params["depth_step_m"],
            max_depth_m=last.params["max_depth_m"],
        )
        width = len(depth_m)
        attrs["sample_axis"] = "depth_m"
        attrs["depth_step_m"] = float(depth_m[1] - depth_m[0]) if len(depth_m) > 1 else 0.0
    out = _declare(writer, source, width, "float32", out_context, attrs)
    written = 0

    def emit(rows: Any) -> None:
        nonlocal written
        if len(rows):
            out.append(rows, **_columns(source, written, written + len(rows)))
            written += len(rows)

    if streamable:
        chain = bound.stream()
        for start in range(0, n, step):
            emit(chain.process(np.asarray(source.data[start : start + step])))
            bar.update(task, completed=start + min(step, n - start))
        emit(chain.finish())
        mode = f"streamed in chunks of {step}"
    else:
        emit(bound.run(np.asarray(source.data[:n])))
        bar.update(task, completed=n)
        mode = "whole line at once (a step needs every trace)"
    names = " -> ".join(s["step"] for s in steps)
    return f"{source.name}: {source.kind}, {written} rows processed ({names}), {mode}"


def _copy_source(writer: Any, source: _Source, bar: Any, chunk_rows: int | None) -> str:
    import numpy as np

    n = source.n_rows
    step = _default_chunk(source, chunk_rows)
    task = bar.add_task(f"{source.name} (copy)", total=n)
    out = _declare(writer, source, source.width, source.dtype, source.context, {})
    for start in range(0, n, step):
        stop = min(start + step, n)
        out.append(np.asarray(source.data[start:stop]), **_columns(source, start, stop))
        bar.update(task, completed=stop)
    return f"{source.name}: {source.kind}, {n} rows copied unprocessed"
