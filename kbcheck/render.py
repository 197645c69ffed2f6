"""Findings → text: a terminal listing (rich), JSON (the models' data), GitHub annotations.

Reporters return strings; the CLI writes them. `REPORTERS` maps a `--format` name to one.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from kbcheck.models import Finding, Severity
from kbcheck.validate import ValidationResult

_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.info: 2}


def _sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.column or 0,
                                           _ORDER[f.severity], f.rule))


def _where(f: Finding) -> str:
    return f.path + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.column else "")


def render_text(result: ValidationResult, *, color: bool = False, width: int = 100) -> str:
    """A listing grouped by file, then a summary line."""
    from rich.console import Console
    from rich.markup import escape

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, no_color=not color, width=width,
                      highlight=False, soft_wrap=True)
    style = {Severity.error: "bold red", Severity.warning: "yellow", Severity.info: "cyan"}
    for f in _sorted(result.findings):
        sev = f.severity.value
        console.print(f"[bold]{escape(_where(f))}[/]: [{style[f.severity]}]{sev}[/] "
                      f"{escape(f.message)} [dim]\\[{f.rule}][/]")
        if f.hint:
            console.print(f"    [dim]hint: {escape(f.hint)}[/]")
    c = result.counts()
    summary = (f"{c['files']} files, {c['articles']} articles: {c['error']} errors, "
               f"{c['warning']} warnings, {c['info']} notes")
    console.print(f"[bold]{summary}[/]")
    return buf.getvalue()


def render_json(result: ValidationResult) -> str:
    """{"summary", "articles", "findings"}: the Article and Finding models' JSON data."""
    doc = {
        "summary": result.counts(),
        "articles": [a.model_dump(mode="json") for a in result.articles],
        "findings": [f.model_dump(mode="json") for f in _sorted(result.findings)],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: ValidationResult) -> str:
    """One workflow command per finding (`::error file=…,line=…::message`)."""
    kind = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}
    out = []
    for f in _sorted(result.findings):
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
