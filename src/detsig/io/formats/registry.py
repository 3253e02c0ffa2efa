"""The format plugin interface, the plugin registry and format detection by content.

A format plugin knows one file format: its ``name``, its usual file ``extensions``, how to
recognise a file by its first bytes (``sniff``), how to ``read`` it into one
:class:`~detsig.model.GprScan` per radar channel and, optionally, how to ``write`` scans.
Plugins are the built-ins below plus every object registered by an installed distribution under
the entry-point group ``detsig.formats`` (a plugin class or instance), so a third party adds a
format by publishing a package, without touching detsig.

References
----------
ObsPy, ``obspy/core/util/base.py`` (``_read_from_plugin``: formats found by ``is_format`` content
checks over entry-point plugins); detsig reimplements the idea with its own interface.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar, Literal, overload

from detsig.errors import FormatError
from detsig.model import GprScan

#: Entry-point group under which third-party format plugins register.
ENTRY_POINT_GROUP = "detsig.formats"
#: How many leading bytes of a file :meth:`FormatPlugin.sniff` receives.
HEAD_BYTES = 4096


class FormatPlugin(abc.ABC):
    """One file format: content sniffing, reading and (optionally) writing GPR scans.

    Subclasses set the class attributes and implement :meth:`sniff` and :meth:`read`.

    Attributes
    ----------
    name : str
        Short unique format name (``"gssi-dzt"``), used by ``--format`` options.
    extensions : tuple of str
        Usual lower-case file extensions without the dot (``("dzt",)``); matched
        case-insensitively.
    description : str
        One line saying what the format is.
    can_write : bool
        Whether :meth:`write` is implemented.
    """

    name: ClassVar[str] = ""
    extensions: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    can_write: ClassVar[bool] = False

    @abc.abstractmethod
    def sniff(self, path: Path, head_bytes: bytes) -> bool:
        """Whether ``path`` looks like this format, judged from its content.

        Parameters
        ----------
        path : Path
            The file (a plugin may look at companion files next to it).
        head_bytes : bytes
            The first :data:`HEAD_BYTES` bytes of the file (fewer for short files).

        Returns
        -------
        bool
            True when the content is this format. Must not raise for foreign input.
        """

    @abc.abstractmethod
    def read(self, path: Path, **options: Any) -> list[GprScan]:
        """Read every radar channel of ``path``, one :class:`GprScan` per channel.

        Parameters
        ----------
        path : Path
            The file to read (companion files next to it may also be read).
        **options
            Reader-specific options (e.g. ``component="Ez"`` for gprMax).

        Returns
        -------
        list of GprScan
            One scan per radar channel, ``data`` of shape (n_traces, n_samples).

        Raises
        ------
        FormatError
            The file is truncated, contradicts itself or is a variant this reader does not know.
        """

    def write(self, path: Path, scans: Sequence[GprScan], **options: Any) -> None:
        """Write ``scans`` to a new file ``path`` (never overwriting an existing file).

        Parameters
        ----------
        path : Path
            The file to create; must not exist.
        scans : sequence of GprScan
            The channels to write.
        **options
            Writer-specific options.

        Raises
        ------
        FormatError
            Always, in this base implementation: the format cannot be written.
        """
        raise FormatError(f"detsig cannot write the {self.name} format; choose another output")


_REGISTRY: dict[str, FormatPlugin] = {}
_ENTRY_POINTS_LOADED = False


def register(plugin: FormatPlugin | type[FormatPlugin], *, replace: bool = False) -> FormatPlugin:
    """Add a plugin (class or instance) to the registry and return the instance.

    A name already registered is kept unless ``replace`` is true.

    Parameters
    ----------
    plugin : FormatPlugin or type of FormatPlugin
        The plugin; a class is instantiated without arguments.
    replace : bool
        Replace a plugin already registered under the same name (default False: keep it).

    Returns
    -------
    FormatPlugin
        The instance now registered under that name (the older one when not replaced).

    Raises
    ------
    TypeError
        If the plugin lacks ``name``, ``extensions``, ``sniff`` or ``read``, or has an empty name.
    """
    instance = plugin() if isinstance(plugin, type) else plugin
    for attribute in ("name", "extensions", "sniff", "read"):
        if not hasattr(instance, attribute):
            raise TypeError(f"format plugin {plugin!r} lacks {attribute!r}")
    if not instance.name:
        raise TypeError(f"format plugin {plugin!r} has an empty name")
    if replace or instance.name not in _REGISTRY:
        _REGISTRY[instance.name] = instance
    return _REGISTRY[instance.name]


def _builtin_plugins() -> list[type[FormatPlugin]]:
    # Most specific content checks first: a file can satisfy a weak sniff of a later plugin.
    from detsig.io.formats.detsig_hdf5 import DetsigRecordingFormat
    from detsig.io.formats.gprmax import GprMaxFormat
    from detsig.io.formats.gssi import GssiDztFormat
    from detsig.io.formats.mala import MalaRamacFormat
    from detsig.io.formats.pulseekko import PulseEkkoFormat
    from detsig.io.formats.segy import SegyFormat

    return [
        DetsigRecordingFormat,
        GprMaxFormat,
        SegyFormat,
        PulseEkkoFormat,
        MalaRamacFormat,
        GssiDztFormat,
    ]


#: Entry points that failed to load, name -> reason.
_BROKEN: dict[str, str] = {}


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for plugin_class in _builtin_plugins():
        register(plugin_class)
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = entry_point.load()
            register(loaded)
        except Exception as error:  # a broken third-party plugin must not break detsig
            _BROKEN[entry_point.name] = f"{type(error).__name__}: {error}"


def reload_plugins() -> dict[str, FormatPlugin]:
    """Forget every registered plugin and discover them again (after installing a plugin
    package in a running interpreter); returns :func:`available_formats`.

    Returns
    -------
    dict of str to FormatPlugin
        Every plugin found again, by name, in detection order.
    """
    global _ENTRY_POINTS_LOADED
    _REGISTRY.clear()
    _BROKEN.clear()
    _ENTRY_POINTS_LOADED = False
    return available_formats()


def available_formats() -> dict[str, FormatPlugin]:
    """Every registered plugin, by name, in detection order.

    Returns
    -------
    dict of str to FormatPlugin
        A copy of the registry: built-in plugins first, then loaded entry points.
    """
    _load_entry_points()
    return dict(_REGISTRY)


def broken_plugins() -> dict[str, str]:
    """Entry points of the ``detsig.formats`` group that could not be loaded, with the reason.

    Returns
    -------
    dict of str to str
        Entry-point name -> ``"ExceptionType: message"`` of the failure to load it.
    """
    _load_entry_points()
    return dict(_BROKEN)


def get_format(name: str) -> FormatPlugin:
    """The plugin called ``name``; FormatError listing the known names otherwise.

    Parameters
    ----------
    name : str
        A plugin name such as ``"gssi-dzt"``.

    Returns
    -------
    FormatPlugin
        The registered plugin.

    Raises
    ------
    FormatError
        If no plugin has that name (the message lists the known names).
    """
    plugins = available_formats()
    if name not in plugins:
        known = ", ".join(plugins)
        raise FormatError(f"unknown format {name!r}; known formats are: {known}")
    return plugins[name]


def _check_readable(path: Path) -> int:
    if not path.exists():
        raise FormatError(f"{path} does not exist; check the path")
    if path.is_dir():
        raise FormatError(f"{path} is a folder, not a file")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
    if size == 0:
        raise FormatError(f"{path} is empty (0 bytes)")
    return size


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read(HEAD_BYTES)
    except OSError as error:
        raise FormatError(f"cannot read {path}: {error.strerror or error}") from None


@overload
def detect_format(path: str | os.PathLike[str]) -> str: ...
@overload
def detect_format(path: str | os.PathLike[str], *, strict: Literal[True]) -> str: ...
@overload
def detect_format(path: str | os.PathLike[str], *, strict: bool) -> str | None: ...


def detect_format(path: str | os.PathLike[str], *, strict: bool = True) -> str | None:
    """The name of the format of ``path``, found by content (the extension breaks ties).

    When no plugin recognises the content but one claims the extension, that plugin is named,
    so reading yields its precise complaint (for example a truncated header).

    Parameters
    ----------
    path : str or Path
        The file.
    strict : bool
        Raise for an unknown format (default); with False, return None instead.

    Returns
    -------
    str or None
        The plugin name; None only when ``strict`` is False and the format is unknown.

    Raises
    ------
    FormatError
        (``strict`` only) The file is missing or empty, or neither its content nor its
        extension is known.

    Examples
    --------
    >>> detect_format("FILE____032.DZT")  # doctest: +SKIP
    'gssi-dzt'
    """
    if not strict:
        try:
            return detect_format(path)
        except FormatError:
            return None
    path = Path(path)
    _check_readable(path)
    head = _head(path)
    plugins = list(available_formats().values())
    matches = _content_matches(path, head, plugins)
    if matches:
        by_extension = [p for p in matches if _claims_extension(p, path)]
        return (by_extension or matches)[0].name
    by_extension = [p for p in plugins if _claims_extension(p, path)]
    if by_extension:
        return by_extension[0].name
    raise FormatError(unknown_format_message(path, head, plugins))


def unknown_format_message(
    path: Path, head: bytes, plugins: Sequence[FormatPlugin] | None = None
) -> str:
    """The one sentence every command gives for a file no plugin reads.

    Parameters
    ----------
    path : Path
        The file.
    head : bytes
        Its first bytes (to say when it is a text file).
    plugins : sequence of FormatPlugin, optional
        The plugins tried (default: every registered one).

    Returns
    -------
    str
        ``"<path> is not in a format detsig knows (its content matches none of: ...)"``, with
        "a text file, " before "not" for text.
    """
    from detsig.io._files import looks_like_text

    tried = list(available_formats().values()) if plugins is None else list(plugins)
    known = ", ".join(f"{p.name} (.{', .'.join(p.extensions)})" for p in tried)
    what = "a text file, " if looks_like_text(head) else ""
    return f"{path} is {what}not in a format detsig knows (its content matches none of: {known})"


def _content_matches(
    path: Path, head: bytes, plugins: Sequence[FormatPlugin]
) -> list[FormatPlugin]:
    matches = []
    for plugin in plugins:
        try:
            if plugin.sniff(path, head):
                matches.append(plugin)
        except Exception:  # a sniff must not raise; treat one that does as "not mine"
            continue
    return matches


def sniff_format(path: str | os.PathLike[str]) -> str | None:
    """The name of the format whose content check ``path`` passes, ignoring the extension.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str or None
        The first plugin (extension breaking ties) that recognises the content; None when none
        does or the file cannot be read.
    """
    path = Path(path)
    try:
        _check_readable(path)
        head = _head(path)
    except FormatError:
        return None
    matches = _content_matches(path, head, list(available_formats().values()))
    by_extension = [p for p in matches if _claims_extension(p, path)]
    return (by_extension or matches)[0].name if matches else None


def _claims_extension(plugin: FormatPlugin, path: Path) -> bool:
    suffix = path.suffix.lower().lstrip(".")
    return bool(suffix) and suffix in tuple(e.lower() for e in plugin.extensions)


def read_any(
    path: str | os.PathLike[str], *, format: str | None = None, **options: Any
) -> list[GprScan]:
    """Read any supported GPR file: one :class:`GprScan` per radar channel.

    Parameters
    ----------
    path : str or Path
        A vendor file (GSSI DZT, pulseEKKO DT1/HD, MALA RD3/RD7/RAD, SEG-Y, gprMax output) or a
        detsig recording.
    format : str, optional
        Force a format by name instead of detecting it.
    **options
        Passed to the reader (e.g. ``component="Ez"`` for gprMax).

    Returns
    -------
    list of GprScan
        Named ``gpr0``, ``gpr1`` ... in channel order.

    Raises
    ------
    FormatError
        Unknown, truncated or self-contradictory file, or an option the reader does not take.
    """
    path = Path(path)
    _check_readable(path)
    plugin = get_format(format) if format else get_format(detect_format(path))
    try:
        scans = plugin.read(path, **options)
    except TypeError as error:
        if "unexpected keyword" in str(error):
            raise FormatError(
                f"the {plugin.name} reader does not take the option(s) {sorted(options)}"
            ) from None
        raise
    if not scans:
        raise FormatError(f"{path} holds no radar traces")
    return scans


def write_scans(
    path: str | os.PathLike[str],
    scans: Sequence[GprScan],
    *,
    format: str | None = None,
    **options: Any,
) -> str:
    """Write ``scans`` to the new file ``path``; the format comes from ``format`` or the
    extension. Returns the format name used.

    Parameters
    ----------
    path : str or Path
        The file to create; it must not exist and its folder must.
    scans : sequence of GprScan
        The channels to write, each ``data`` of shape (n_traces, n_samples).
    format : str, optional
        Plugin name of the output format; chosen from the extension among writable formats
        when None.
    **options
        Passed to the plugin's ``write``.

    Returns
    -------
    str
        Name of the format plugin that wrote the file.

    Raises
    ------
    FormatError
        If the format cannot be told or written, ``path`` exists, or its folder is missing.
    """
    path = Path(path)
    plugins = available_formats()
    if format is None:
        writers = [p for p in plugins.values() if p.can_write and _claims_extension(p, path)]
        if not writers:
            usable = ", ".join(
                f".{p.extensions[0]} ({p.name})" for p in plugins.values() if p.can_write
            )
            raise FormatError(
                f"cannot tell the output format from the name {path.name}; use one of {usable}"
            )
        plugin = writers[0]
    else:
        plugin = get_format(format)
    if path.exists() or path.is_symlink():
        raise FormatError(
            f"{path} already exists; detsig never overwrites a file, so give a new name"
        )
    if not path.parent.is_dir():
        raise FormatError(
            f"the folder {path.parent} does not exist; create it or choose another path"
        )
    plugin.write(path, scans, **options)
    return plugin.name
