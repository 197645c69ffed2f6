"""A time budget for the work done on one article: past it, the work stops with `OverBudget`.

Every loader and markup pattern is linear, but an article is still text from a stranger, and a
quadratic corner nobody has found yet must cost that article, not the run. The budget is a
real-time interval timer (SIGALRM), which also interrupts a regular expression in the middle of
a match; where there is none (another thread, Windows) the work runs unbudgeted.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kbcheck.models import Finding, Severity

ARTICLE_BUDGET_S = 20.0


class OverBudget(BaseException):  # noqa: N818 - BaseException: `except Exception` lets it pass
    """Raised inside the budgeted work when its time is up."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Run the body for at most `seconds` (None: no limit); raises `OverBudget` past it."""
    usable = (seconds is not None and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    armed = [True]

    def expire(signum, frame) -> None:
        if armed[0]:  # a late tick after the body ended is ignored
            raise OverBudget(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def over_budget_finding(path: str, seconds: float, what: str) -> Finding:
    """The `time-budget` finding of an article whose `what` ran out of time."""
    return Finding(rule="time-budget", severity=Severity.error, path=path,
                   message=f"{what} took longer than the article time budget of {seconds:g} s; "
                           "stopped",
                   hint="simplify the article's markup, or split it; please report it as a bug")
