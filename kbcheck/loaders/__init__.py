"""Loaders: detect an article's format from its content and parse it into an `Article`.

`load_file` and `load_text` never raise: a file that cannot be read or parsed gives a
`LoadResult` with findings and no article, and everything else goes on.

Formats (`Article.format`): ``frontmatter-markdown`` (YAML between ``---`` fences),
``mediawiki`` (Semantic MediaWiki annotations), ``flat-markdown`` (Markdown with inline
metadata), ``glossary`` (plain text; the fallback). Detection tries them in that order.

The body contract: `Article.body` is a verbatim slice of the text (newlines normalised to
``\\n``) that starts at the beginning of file line `Article.body_line`, so an offset in the body
maps to a file line by counting newlines.
"""

from __future__ import annotations

import os
import stat

from kbcheck.loaders import flat_md, frontmatter_md, glossary, mediawiki
from kbcheck.models import ArticleFormat, Finding, LoadResult, Severity

__all__ = ["FORMATS", "detect_format", "load_file", "load_text"]

DEFAULT_MAX_BYTES = 1 << 20
# Detection order: the most specific first; glossary takes any other non-blank text.
FORMATS = {m.FORMAT: m for m in (frontmatter_md, mediawiki, flat_md, glossary)}


def detect_format(text: str) -> ArticleFormat | None:
    """The format of an article's text, from its content; None when it is blank."""
    text = text.lstrip("\ufeff")
    for name, module in FORMATS.items():
        if module.detect(text):
            return name  # type: ignore[return-value]
    return None


def load_text(text: str, path: str) -> LoadResult:
    """Parse an article's text; `path` names it in the findings. Never raises."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.removeprefix("\ufeff")
    try:
        fmt = detect_format(text)
        if fmt is None:
            return _fail(path, "file-empty", "the file holds no text", 1,
                         "write the article, or remove the file")
        return FORMATS[fmt].load(text, path)
    except Exception as exc:  # a loader bug must not end the run; the test suite keeps it at 0
        return _fail(path, "internal-error", f"kbcheck could not parse this file: "
                     f"{type(exc).__name__}: {exc}", None, "please report this as a bug")


def load_file(path: str | os.PathLike[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """Read and parse one file: unreadable, binary, non-UTF-8, empty or too large files give a
    finding naming the file and no article. Never raises."""
    name = os.fspath(path)
    try:
        if not stat.S_ISREG(os.stat(name).st_mode):  # a FIFO would block, a device never end
            return _fail(name, "file-unreadable", "not a regular file", None,
                         "only regular files can be checked")
        with open(name, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                return _too_large(name, size, max_bytes)
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return _fail(name, "file-unreadable", f"cannot read the file: {exc.strerror or exc}",
                     None, "check that the file exists and that you may read it")
    if len(data) > max_bytes:  # it grew while we read it
        return _too_large(name, len(data), max_bytes)
    if not data.strip():
        return _fail(name, "file-empty", "the file is empty", None,
                     "write the article, or remove the file")
    if b"\x00" in data:
        return _fail(name, "file-not-text", "the file is binary (it holds NUL bytes)",
                     1 + data.count(b"\n", 0, data.index(b"\x00")),
                     "only text articles can be checked; remove it from the knowledge base")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _fail(name, "file-not-text",
                     f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                     f"{exc.start})", 1 + data.count(b"\n", 0, exc.start),
                     "save the file as UTF-8")
    return load_text(text, name)


def _too_large(path: str, size: int, limit: int) -> LoadResult:
    return _fail(path, "file-too-large", f"the file is {size:,} bytes, over the limit of "
                 f"{limit:,}", None, "split the article, or raise the limit with --max-bytes")


def _fail(path: str, rule: str, message: str, line: int | None, hint: str) -> LoadResult:
    return LoadResult(path=path, findings=[Finding(
        rule=rule, severity=Severity.error, path=path, line=line, message=message, hint=hint)])
