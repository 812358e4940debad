"""The one clock a lifecycle test controls: the handler, the emulator and the driver all read it."""

from collections.abc import Callable

# 2027-01-15T08:00:00Z: a fixed start makes job timestamps and logs reproducible.
DEFAULT_START = 1_800_000_000.0


class VirtualClock:
    """Seconds since the epoch that only move when a test says so.

    Listeners run after each move, so an emulator can finish the jobs whose time has come even
    when nobody asks about them.
    """

    def __init__(self, start: float = DEFAULT_START):
        self._now = float(start)
        self._listeners: list[Callable[[float], None]] = []

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a virtual clock only moves forward, got {seconds} s")
        self.advance_to(self._now + seconds)

    def advance_to(self, moment: float) -> None:
        if moment < self._now:
            raise ValueError(f"a virtual clock only moves forward: {moment} is before {self._now}")
        self._now = float(moment)
        for listener in list(self._listeners):
            listener(self._now)

    def subscribe(self, listener: Callable[[float], None]) -> None:
        self._listeners.append(listener)
