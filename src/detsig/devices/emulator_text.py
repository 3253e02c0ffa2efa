"""An emulated Arduino pulse-induction detector that prints one line of numbers per reading.

Like the sketches people flash: whenever the port is opened (opening a USB port resets an
Arduino, after a reconnect too) it prints an optional header line (``t_ms,gate1,gate2,gate3``), then
at ``rate_hz`` a line ``millis(),gate1,gate2,gate3`` (comma or space separated). Line ``i``
holds :meth:`TextEmulator.values` ``(i)``, so a test can check every recorded number. Faults:
every ``bad_line_every``-th line is replaced by a broken one (alternately a message the
board prints and a line cut short), counted in the report with its index.
"""

from __future__ import annotations

from typing import Any

from detsig.devices.emulator_base import PtyEmulator

#: Field names of the emulated board.
CHANNELS = ("t_ms", "gate1", "gate2", "gate3")
_BROKEN = (b"ERR: coil open!\r\n", b"517,49\r\n")


class TextEmulator(PtyEmulator):
    """A text-line metal detector on a pty.

    Parameters
    ----------
    rate_hz : float
        Lines per second.
    separator : {",", " "}
        Field separator.
    header : bool
        Print the header line whenever the port is opened.
    bad_line_every : int, optional
        Replace every n-th line (n >= 2) by a broken line.
    n_lines : int, optional
        Stop after this many lines (default: until stopped).
    seed : int
        Changes the values.
    **kwargs
        ``link``, ``baudrate`` (default 9600), ``disconnect_after_s``, ``outage_s``,
        ``silent`` (see :class:`~detsig.devices.emulator_base.PtyEmulator`).
    """

    kind = "text"

    def __init__(
        self,
        *,
        rate_hz: float = 50.0,
        separator: str = ",",
        header: bool = True,
        bad_line_every: int | None = None,
        n_lines: int | None = None,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("baudrate", 9600)
        super().__init__(**kwargs)
        if separator not in (",", " "):
            raise ValueError(f"separator must be ',' or ' ', got {separator!r}")
        if bad_line_every is not None and bad_line_every < 2:
            raise ValueError(f"bad_line_every must be >= 2, got {bad_line_every}")
        self.rate_hz = float(rate_hz)
        self.separator = separator
        self.header = header
        self.bad_line_every = bad_line_every
        self.n_lines = n_lines
        self.seed = int(seed)
        self._index = 0
        self._t0: float | None = None
        self._report.update({"lines": 0, "bad_lines": 0, "bad_line_indices": [], "headers": 0})

    def values(self, index: int) -> list[int]:
        """The numbers of line ``index``: its time stamp (ms) and three gate readings.

        Parameters
        ----------
        index : int
            Line number from power-on, 0-based.

        Returns
        -------
        list of int
            ``[t_ms, gate1, gate2, gate3]``.
        """
        t_ms = round(index * 1000.0 / self.rate_hz)
        bump = 400 if (index // 25) % 8 == 3 else 0  # a buried coin passes every 200 lines
        gates = [
            512 + bump // (k + 1) + ((index * 37 + k * 101 + self.seed * 13) % 29) - 14
            for k in range(3)
        ]
        return [t_ms, *gates]

    def line(self, index: int) -> bytes:
        """The bytes of line ``index`` as the board prints them.

        Parameters
        ----------
        index : int
            Line number from power-on, 0-based.

        Returns
        -------
        bytes
            Fields, separator, CR LF.
        """
        return (self.separator.join(str(v) for v in self.values(index)) + "\r\n").encode()

    def _header_line(self) -> None:
        if self.header and self.send((self.separator.join(CHANNELS) + "\r\n").encode()):
            self.count("headers")

    def _on_attach(self) -> None:
        self._header_line()

    def _step(self, now: float) -> float:
        if self._t0 is None:
            self._t0 = now
        due = int((now - self._t0) * self.rate_hz) + 1
        if self.n_lines is not None:
            due = min(due, self.n_lines)
        while self._index < due:
            index = self._index
            self._index += 1
            if self.bad_line_every and index % self.bad_line_every == self.bad_line_every - 1:
                if self.send(_BROKEN[(index // self.bad_line_every) % 2]):
                    self.count_at("bad_lines", "bad_line_indices", index)
                continue
            if self.send(self.line(index)):
                self.count("lines")
        if self.n_lines is not None and self._index >= self.n_lines:
            self._set_end("lines-done")
            return 0.02
        return (self._index / self.rate_hz) - (now - self._t0)
