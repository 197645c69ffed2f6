"""Build an `Article` from parsed metadata, turning schema errors into findings at their lines.

Every loader ends here. Pydantic checks the metadata; each error's location ("atomic_facts", 1,
"confidence") is mapped to a line through the loader's line map; the offending value is dropped
and the rest validated again, so an article is built from everything that was valid.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from kbcheck.loaders._links import body_links
from kbcheck.models import (
    Article,
    ArticleFormat,
    Finding,
    Frontmatter,
    LoadResult,
    Severity,
)

# Article's own fields: a frontmatter key of this name would overwrite what the loader sets.
RESERVED = frozenset(Article.model_fields) - frozenset(Frontmatter.model_fields)

_DROP = object()  # marks a value removed after a schema error

_HINTS = {
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD, e.g. 2026-05-28",
    "date_parsing": "write dates as YYYY-MM-DD, e.g. 2026-05-28",
    "date_type": "write dates as YYYY-MM-DD, e.g. 2026-05-28",
    "enum": "use one of the listed values",
    "list_type": "write a YAML list: one `- item` per line",
    "float_parsing": "write a number, e.g. 0.8",
    "int_parsing": "write a whole number, e.g. 2021",
    "bool_parsing": "write true or false",
    "string_type": "write text (quote it if YAML reads it as a number or a date)",
    "extra_forbidden": "`verify:` takes only `verifier:` and `params:`",
    "missing": "add the field",
}


def build_result(
    data: dict[str, Any],
    *,
    path: str,
    fmt: ArticleFormat,
    body: str,
    body_line: int,
    lines: dict[str, int],
    columns: dict[str, int] | None = None,
    findings: list[Finding] | None = None,
) -> LoadResult:
    """The end of every loader: collect the body's links, then validate `data` into an Article,
    with a finding per schema error; what was valid is kept."""
    findings = [] if findings is None else findings
    links, link_lines = body_links(body, body_line, wiki=fmt == "mediawiki")
    lines.update(link_lines)
    for key in RESERVED.intersection(data):
        findings.append(Finding(
            rule="reserved-field", severity=Severity.error, path=path, line=lines.get(key),
            message=f"`{key}` is a name kbcheck uses for the parsed article; it was ignored",
            hint="rename the field"))
        data = {k: v for k, v in data.items() if k != key}
    fixed = {"path": path, "format": fmt, "body": body, "body_line": body_line,
             "lines": lines, "body_links": links}
    for _ in range(4):
        try:
            article = Article.model_validate({**data, **fixed})
            return LoadResult(path=path, article=article, findings=findings)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        data = _copy(data)
        for err in errors:
            findings.append(_finding(err, path, lines, columns or {}))
            _mark(data, err["loc"], missing=err["type"] == "missing")
        data = _clean(data)
    # Unreachable in practice (each round drops what failed); never lose the body.
    return LoadResult(path=path, article=Article.model_validate(fixed), findings=findings)


def _finding(err: dict[str, Any], path: str, lines: dict[str, int],
             columns: dict[str, int]) -> Finding:
    loc = err["loc"]
    where = ".".join(str(p) for p in loc)
    parts = [str(p) for p in loc]
    line = column = None
    while parts and line is None:  # the field's line, or its nearest ancestor's
        key = ".".join(parts)
        line, column = lines.get(key), columns.get(key)
        parts.pop()
    got = err.get("input")
    shown = "" if err["type"] == "missing" else f" (got {_short(got)})"
    hint = _HINTS.get(err["type"], "see `kbcheck schema` for the fields and their types")
    if err["type"] == "enum":
        hint = f"use one of: {err.get('ctx', {}).get('expected', '')}"
    return Finding(rule="schema", severity=Severity.error, path=path, line=line, column=column,
                   message=f"`{where}`: {err['msg']}{shown}", hint=hint)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _mark(data: dict[str, Any], loc: tuple, *, missing: bool) -> None:
    """Mark the value at `loc` for removal (its container when a required field is missing)."""
    if missing:
        loc = loc[:-1]
    node: Any = data
    for i, part in enumerate(loc):
        if not isinstance(node, dict | list):
            return
        try:
            if i == len(loc) - 1:
                node[part] = _DROP
            else:
                node = node[part]
        except (KeyError, IndexError, TypeError):
            return


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not _DROP}
    if isinstance(value, list):
        return [_clean(v) for v in value if v is not _DROP]
    return value
