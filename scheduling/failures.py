"""A failure that repeats on every tick is logged once, not on every tick.

While the database is away the scheduling loop and the inbox fail every second; a traceback
each time buries the one line that matters. :class:`RepeatedFailures` logs the first failure
of a job with its traceback, then nothing for repeats of the same error but a one-line WARNING
at most once a minute (how many so far), and an INFO line when the job works again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Streak:
    error: str
    count: int
    last_told: float


@dataclass
class RepeatedFailures:
    """Failures of named jobs, for one logger. ``monotonic`` is the clock of the reminders."""

    log: logging.Logger
    remind_every: float = 60.0
    monotonic: Callable[[], float] = time.monotonic
    _streaks: dict[str, _Streak] = field(default_factory=dict)

    def failed(self, name: str, message: str) -> None:
        """``name`` failed (call from an ``except`` block: the first time logs the traceback).

        A different error than the streak's logs its traceback again and starts a new streak."""
        exc = _current()
        error = f"{type(exc).__name__}: {exc}" if exc else "unknown error"
        streak = self._streaks.get(name)
        now = self.monotonic()
        if streak is None or streak.error != error:
            self.log.exception(message)
            self._streaks[name] = _Streak(error, 1, now)
            return
        streak.count += 1
        if now - streak.last_told >= self.remind_every:
            streak.last_told = now
            self.log.warning(
                "%s (still failing: %d times in a row; %s)", message, streak.count, error
            )

    def succeeded(self, name: str) -> None:
        """``name`` worked: if it had been failing, say so once."""
        streak = self._streaks.pop(name, None)
        if streak is not None:
            self.log.info("%s works again after %d failure(s) in a row", name, streak.count)


def _current() -> BaseException | None:
    import sys

    return sys.exc_info()[1]
