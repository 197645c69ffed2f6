"""Findings → text: a terminal listing (rich), JSON (the models' data), GitHub annotations.

Reporters return strings; the CLI writes them. `REPORTERS` maps a `--format` name to one.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pydantic import BaseModel

from kbcheck.models import Article, Finding, Severity
from kbcheck.safe_text import printable
from kbcheck.validate import ValidationResult

_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.column or 0,
                                           _ORDER[f.severity], f.rule))


def _where(f: Finding) -> str:
    return f.path + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.column else "")


_STYLE = {Severity.error: "bold red", Severity.warning: "yellow", Severity.info: "cyan"}


def render_text(result: ValidationResult, *, color: bool = False, width: int = 100) -> str:
    """One line per finding (`path:line:col: severity message [rule]`, then its hint), sorted by
    file and line, and a summary line; coloured with rich for a terminal."""
    rows = [(f"{printable(_where(f))}: ", f.severity, f" {printable(f.message)} ",
             f"[{printable(f.rule)}]", f"    hint: {printable(f.hint)}" if f.hint else None)
            for f in _sorted(result.findings)]
    c = result.counts()
    summary = (f"{c['files']} files, {c['articles']} articles: {c['error']} errors, "
               f"{c['warning']} warnings, {c['info']} notes")
    if not color:  # plain text needs no layout engine; this keeps big listings fast
        out = []
        for where, sev, message, rule, hint in rows:
            out.append(f"{where}{sev.value}{message}{rule}\n")
            if hint:
                out.append(f"{hint}\n")
        out.append(summary + "\n")
        return "".join(out)
    from rich.console import Console
    from rich.text import Text

    text = Text()
    for where, sev, message, rule, hint in rows:
        text.append(where, "bold").append(sev.value, _STYLE[sev]).append(message)
        text.append(rule, "dim").append("\n")
        if hint:
            text.append(hint, "dim").append("\n")
    text.append(summary, "bold")
    buf = io.StringIO()
    Console(file=buf, force_terminal=True, width=width, highlight=False, soft_wrap=True).print(text)
    return buf.getvalue()


class _JsonReport(BaseModel):
    """The document `--format json` prints."""

    summary: dict[str, int]
    articles: list[Article]
    findings: list[Finding]


def render_json(result: ValidationResult) -> str:
    """{"summary", "articles", "findings"}: the Article and Finding models' JSON data."""
    doc = _JsonReport(summary=result.counts(), articles=result.articles,
                      findings=_sorted(result.findings))
    return doc.model_dump_json(indent=2) + "\n"


def _escape_data(text: str) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return printable(text)  # what is left of the control characters, written out


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: ValidationResult) -> str:
    """One workflow command per finding (`::error file=…,line=…::message`)."""
    return github_annotations(result.findings)


def github_annotations(findings: list[Finding]) -> str:
    """GitHub workflow commands for findings, worst first (also used by `kbcheck run`)."""
    kind = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}
    out = []
    for f in _sorted(findings):
        props = [f"file={_escape_prop(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={_escape_prop(f'kbcheck {f.rule}')}")
        message = f.message + (f" (hint: {f.hint})" if f.hint else "")
        out.append(f"::{kind[f.severity]} {','.join(props)}::{_escape_data(message)}")
    return "".join(line + "\n" for line in out)


REPORTERS: dict[str, Callable[[ValidationResult], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
}
