"""Turning what a fetch came to into an outcome; the rules say when a link is really broken."""

from __future__ import annotations

from dataclasses import dataclass

from kbcheck.links.http import Fetched
from kbcheck.links.models import Outcome

# Signs that a 403 / 503 comes from a bot wall rather than from the page itself.
_WALL_HEADERS = ("cf-mitigated", "cf-chl-bypass", "x-amzn-waf-action", "x-datadome")
_WALL_SERVERS = ("cloudflare", "akamaighost", "ddos-guard", "sucuri")
_WALL_WORDS = (b"captcha", b"just a moment", b"attention required", b"are you a robot",
               b"verify you are human", b"access denied", b"bot detection")

_FAILURES = {
    "refused": Outcome.refused,
    "invalid": Outcome.invalid,
    "unknown-host": Outcome.broken,
    "loop": Outcome.broken,
    "too-many-redirects": Outcome.broken,
}


@dataclass(frozen=True)
class Verdict:
    """An outcome with the status, final URL, error and suggested replacement."""

    outcome: Outcome
    status: int | None = None
    final_url: str | None = None
    error: str | None = None
    suggestion: str | None = None
    stable: bool = True  # False for transient failures, which are not cached


def bot_wall(got: Fetched) -> bool:
    """Whether a refusal looks like a bot wall (CDN challenge, CAPTCHA page)."""
    if any(h in got.headers for h in _WALL_HEADERS):
        return True
    if any(s in got.headers.get("server", "").lower() for s in _WALL_SERVERS):
        return True
    head = got.body[:16384].lower()
    return any(w in head for w in _WALL_WORDS)


def judge(got: Fetched) -> Verdict:
    """The outcome of a finished fetch (after retries, redirects and the GET fallback)."""
    status, final = got.status, got.final_url
    if got.failure in _FAILURES:
        return Verdict(_FAILURES[got.failure], status, final, got.error)
    if got.failure is not None:  # timeout, connection, protocol, offline, retry-after cap
        return Verdict(Outcome.unverified, status, final, got.error, stable=False)
    assert status is not None
    if 200 <= status < 300:
        if got.permanent and final and final != got.url:
            return Verdict(Outcome.redirected, status, final,
                           "moved permanently", suggestion=final)
        return Verdict(Outcome.ok, status, final)
    if status in (404, 410):
        return Verdict(Outcome.broken, status, final, f"HTTP {status}")
    if status == 429:
        return Verdict(Outcome.unverified, status, final,
                       f"rate limited (HTTP 429) after {got.attempts} attempts", stable=False)
    if status in (401, 403, 999) or (status == 503 and bot_wall(got)):
        why = "bot wall" if bot_wall(got) or status == 999 else "access refused"
        return Verdict(Outcome.unverified, status, final, f"{why} (HTTP {status})")
    if status >= 500:
        return Verdict(Outcome.unverified, status, final,
                       f"server error (HTTP {status}) after {got.attempts} attempts",
                       stable=False)
    # Other answers (400, 405, 451, a 3xx without Location...) say little about the page.
    return Verdict(Outcome.unverified, status, final, f"HTTP {status}")


def needs_get(got: Fetched) -> bool:
    """Whether a HEAD answer should be confirmed with GET (many servers mishandle HEAD)."""
    if got.failure == "protocol":
        return True
    return got.failure is None and got.status is not None and (
        400 <= got.status < 500 and got.status != 429 or got.status == 999)
