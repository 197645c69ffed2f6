"""Inline suppressions: an author accepts a finding in the article itself, with a reason.

In Markdown and MediaWiki, an HTML comment:

    <!-- kbcheck-disable claim-refuted: the paper rounds this figure -->
    <!-- kbcheck-disable-file unknown-field, links.: internal mirror -->

`kbcheck-disable` covers its own line and, when the comment stands alone on its line, the next
line that is not blank; `kbcheck-disable-file` covers the whole file. A rule ending in "." covers
every rule it starts (`links.`). In YAML frontmatter, a `kbcheck:` key covers the whole file:

    kbcheck:
      disable:
        claim-conditional: the condition is stated in the next section

A suppression without a reason suppresses nothing and is itself a finding
(`suppression-no-reason`); one that matches no finding is one too (`suppression-unused`), so
stale ones do not pile up. Values in, values out; no printing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kbcheck.models import Article, Finding, Severity

# Linear: no nested quantifiers; a comment ends at the first "-->" on its line.
_COMMENT = re.compile(r"<!--\s*kbcheck-disable(-file)?\s+([^:>]*?)\s*(?::\s*(.*?))?\s*-->")
_MAX_BYTES = 1 << 20
# Rules that only `kbcheck run` (claims, verifiers, evidence) or the links stage produce: a
# command that does not run those stages cannot tell whether such a suppression is used.
LATER_STAGES = ("claim-", "verifier-", "evidence-", "links.")


def validate_stage(rule: str) -> bool:
    """Whether `kbcheck validate` produces `rule` (so can call a suppression of it unused)."""
    return not rule.startswith(LATER_STAGES)


@dataclass
class Suppression:
    """One suppression: the rules it names, the lines it covers (None: the file), its reason."""

    path: str
    line: int
    rules: tuple[str, ...]
    reason: str
    lines: frozenset[int] | None
    used: bool = False

    def covers(self, f: Finding) -> bool:
        """Whether this suppression silences finding `f`."""
        if f.path != self.path or (self.lines is not None and f.line not in self.lines):
            return False
        return any(f.rule == r or (r.endswith(".") and f.rule.startswith(r)) for r in self.rules)


def _split_rules(text: str) -> tuple[str, ...]:
    return tuple(r for r in re.split(r"[\s,]+", text.strip()) if r)


def inline_suppressions(path: str, text: str) -> list[Suppression]:
    """The `<!-- kbcheck-disable … -->` comments of a file's text."""
    if "kbcheck-disable" not in text:
        return []
    lines = text.splitlines()
    out = []
    for n, line in enumerate(lines, start=1):
        for m in _COMMENT.finditer(line):
            whole_file, rules, reason = m.group(1), _split_rules(m.group(2)), m.group(3) or ""
            if whole_file:
                covered = None
            else:
                covered = {n}
                if not line.replace(m.group(0), "").strip():  # alone on its line: the next one
                    nxt = next((k for k in range(n + 1, len(lines) + 1)
                                if lines[k - 1].strip()), None)
                    if nxt is not None:
                        covered.add(nxt)
                covered = frozenset(covered)
            out.append(Suppression(path, n, rules, reason.strip(), covered))
    return out


def frontmatter_suppressions(article: Article) -> list[Suppression]:
    """The `kbcheck: {disable: {rule: reason}}` entries of an article's frontmatter."""
    block = article.extra_fields().get("kbcheck")
    if not isinstance(block, dict):
        return []
    line = article.line_of("kbcheck") or 1
    disable = block.get("disable")
    if isinstance(disable, list):  # a list of rules: no reasons given
        disable = {str(r): "" for r in disable}
    if not isinstance(disable, dict):
        return []
    return [Suppression(article.path, line, (str(rule),),
                        reason.strip() if isinstance(reason, str) else "", None)
            for rule, reason in disable.items()]


def collect(articles: Iterable[Article]) -> list[Suppression]:
    """Every suppression of the articles (inline comments are read from the files)."""
    found: list[Suppression] = []
    for a in articles:
        found += frontmatter_suppressions(a)
        try:
            with open(a.path, encoding="utf-8", errors="replace") as fh:
                text = fh.read(_MAX_BYTES)
        except OSError:
            continue
        found += inline_suppressions(a.path, text)
    return found


def apply_suppressions(findings: Iterable[Finding], articles: Iterable[Article], *,
                       checked: Callable[[str], bool] = lambda rule: True) -> list[Finding]:
    """The findings no suppression covers, plus a finding for each suppression without a
    reason and each that covered nothing among the rules this command `checked`. The
    frontmatter `kbcheck:` key is not an unknown field."""
    articles = list(articles)
    suppressions = collect(articles)
    kept: list[Finding] = []
    for f in findings:
        if f.rule == "unknown-field" and f.message == "unknown field `kbcheck`":
            continue
        hit = next((s for s in suppressions if s.reason and s.covers(f)), None)
        if hit is None:
            kept.append(f)
        else:
            hit.used = True
    for s in suppressions:
        rules = ", ".join(s.rules) or "(no rule)"
        if not s.reason or not s.rules:
            kept.append(Finding(
                rule="suppression-no-reason", severity=Severity.error, path=s.path, line=s.line,
                message=f"a suppression of {rules} without a reason suppresses nothing",
                hint="write the reason after a colon: <!-- kbcheck-disable RULE: why -->"))
        elif not s.used and all(checked(r) for r in s.rules):
            kept.append(Finding(
                rule="suppression-unused", severity=Severity.warning, path=s.path, line=s.line,
                message=f"the suppression of {rules} matches no finding",
                hint="remove it: what it silenced is gone"))
    return kept
