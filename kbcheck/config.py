"""Project configuration: `[tool.kbcheck]` in pyproject.toml, or a `kbcheck.toml`.

The nearest folder (the current one, then its parents) that holds a `kbcheck.toml`, or a
`pyproject.toml` with a `[tool.kbcheck]` table, is the project root; relative paths and globs in
the configuration are read from there. Every value remembers where it came from, so that
`kbcheck config` can say it. Values, no printing.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kbcheck.models import Severity

# Files that are plainly not articles (images, media, archives, code and data files) and the
# usual repository documents. A pattern without a slash matches a name at any depth.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    # (the repository's own documents: README.md, not an article named README_loraport.md)
    "README", "README.*", "CHANGELOG", "CHANGELOG.*", "CONTRIBUTING", "CONTRIBUTING.*",
    "LICENSE", "LICENSE.*", "COPYING", "COPYING.*", "CODE_OF_CONDUCT", "CODE_OF_CONDUCT.*",
    "SECURITY", "SECURITY.*", "node_modules", "__pycache__",
    "*.png", "*.jpg", "*.jpeg", "*.gif", "*.svg", "*.webp", "*.ico", "*.bmp", "*.tif",
    "*.tiff", "*.pdf", "*.zip", "*.gz", "*.tgz", "*.tar", "*.xz", "*.7z", "*.mp3", "*.mp4",
    "*.wav", "*.webm", "*.woff", "*.woff2", "*.ttf", "*.otf", "*.css", "*.js", "*.py",
    "*.json", "*.toml", "*.yml", "*.yaml", "*.lock", "*.csv", "*.html", "*.htm", "*.xml",
    "*.sarif", "*.ipynb",
)

RULE_LEVELS = ("error", "warning", "info", "off")
FAIL_ON = ("error", "warning", "info", "never")


class ConfigError(ValueError):
    """A configuration file that cannot be read or holds a wrong value (a usage error)."""


@dataclass(frozen=True)
class Setting:
    """One configuration key: its TOML name, default and help."""

    key: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("include", [], "globs of article files; empty: every file not excluded"),
    Setting("exclude", list(DEFAULT_EXCLUDE), "globs never read (replaces the defaults)"),
    Setting("extend-exclude", [], "globs never read, added to `exclude`"),
    Setting("respect-gitignore", True, "skip files that git ignores"),
    Setting("paths", ["kb"], "what `kbcheck run` checks when given no path"),
    Setting("out", "reports", "where `kbcheck run` writes its reports (never read as articles)"),
    Setting("evidence-dir", "reports/evidence", "evidence recorded on a GPU (not under --out)"),
    Setting("fail-on", "error", "exit 1 on findings at or above: error, warning, info, never"),
    Setting("baseline", "kbcheck-baseline.json",
            "accepted findings (`kbcheck baseline`), used when the file exists"),
    Setting("severity", {}, "per-rule severity: {rule = error|warning|info|off}"),
    Setting("links.ignore", [], "regular expressions of URLs that are never requested"),
    Setting("links.accept", [], "HTTP statuses counted as ok (e.g. 403, 429)"),
    Setting("links.budget", 300.0, "seconds for the whole links stage"),
    Setting("repository-url", "",
            "the repository's files on the web at a branch, e.g. "
            "https://github.com/OWNER/REPO/blob/main: report.html links each file:line there, "
            "and SARIF rules their docs/rules/ pages when the project has that folder"),
)
_KNOWN = {s.key for s in SETTINGS}


@dataclass
class Config:
    """The effective configuration: values by key, where each came from, and the root."""

    root: Path
    file: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def path(self, key: str) -> Path:
        """A path setting, relative to the project root."""
        return self.root / self.values[key]

    def set(self, key: str, value: Any, source: str) -> None:
        """Override a value (a command-line option) and remember that it did."""
        self.values[key] = value
        self.sources[key] = source

    def excludes(self) -> list[str]:
        """`exclude` and `extend-exclude` together."""
        return [*self.values["exclude"], *self.values["extend-exclude"]]

    def severity_of(self, rule: str) -> str | None:
        """The configured level of a rule (an exact id, or a prefix such as `links.`)."""
        table = self.values["severity"]
        if rule in table:
            return table[rule]
        prefixes = [k for k in table if k.endswith(".") and rule.startswith(k)]
        return table[max(prefixes, key=len)] if prefixes else None


def find_config(start: Path | None = None) -> tuple[Path | None, dict[str, Any]]:
    """The nearest configuration file from `start` upwards and its kbcheck table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / "kbcheck.toml"
        if own.is_file():
            table = _read(own)
            return own, table.get("tool", {}).get("kbcheck", table)
        project = folder / "pyproject.toml"
        if project.is_file():
            table = _read(project).get("tool", {}).get("kbcheck")
            if table is not None:
                return project, table
    return None, {}


def load_config(start: Path | None = None, file: Path | None = None) -> Config:
    """Defaults, overridden by the configuration file found (or named); checked."""
    if file is not None:
        if not file.is_file():
            raise ConfigError(f"no such configuration file: {file}")
        raw = _read(file)
        table = raw.get("tool", {}).get("kbcheck", raw if file.name != "pyproject.toml" else {})
    else:
        file, table = find_config(start)
    root = file.parent if file is not None else (start or Path.cwd())
    config = Config(root=Path(os.path.relpath(root)) if root != Path.cwd() else Path("."),
                    file=file)
    for s in SETTINGS:
        config.values[s.key] = s.default
        config.sources[s.key] = "default"
    if file is not None:
        file = config.file = Path(os.path.relpath(file))
    where = "" if file is None else str(file) + (
        " [tool.kbcheck]" if file.name == "pyproject.toml" else "")
    for key, value in _flatten(table).items():
        if key not in _KNOWN:
            raise ConfigError(f"{where}: unknown key {key!r}; known: {', '.join(sorted(_KNOWN))}")
        config.values[key] = _checked(key, value, where)
        config.sources[key] = where
    return config


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _flatten(table: dict[str, Any]) -> dict[str, Any]:
    """`{links: {ignore: …}}` → `{"links.ignore": …}`; `severity` stays a table."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "links" and isinstance(value, dict):
            out.update({f"links.{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def _checked(key: str, value: Any, where: str) -> Any:
    """The value when its type is right for `key`, else a ConfigError naming it."""
    default = next(s.default for s in SETTINGS if s.key == key)

    def wrong(what: str) -> ConfigError:
        return ConfigError(f"{where}: {key} must be {what}, not {value!r}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise wrong("true or false")
    elif isinstance(default, list):
        if not isinstance(value, list):
            raise wrong("a list")
        if key == "links.accept":
            if not all(isinstance(v, int) and 100 <= v <= 599 for v in value):
                raise wrong("a list of HTTP statuses")
        elif not all(isinstance(v, str) for v in value):
            raise wrong("a list of strings")
        if key == "links.ignore":
            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise wrong(f"regular expressions ({pattern!r}: {exc})") from exc
    elif isinstance(default, dict):
        if not isinstance(value, dict):
            raise wrong("a table")
        bad = {k: v for k, v in value.items() if v not in RULE_LEVELS}
        if bad:
            raise wrong(f"a table of {'|'.join(RULE_LEVELS)}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise wrong("a positive number of seconds")
        value = float(value)
    elif key == "fail-on":
        if value not in FAIL_ON:
            raise wrong(" or ".join(FAIL_ON))
    elif not isinstance(value, str):
        raise wrong("a string")
    elif key == "repository-url" and value and not _web_address(value):
        raise wrong("an http(s) address such as https://github.com/OWNER/REPO/blob/main")
    return value


def _web_address(text: str) -> bool:
    """Whether `text` is an http(s) address with a host (one that a report may link to)."""
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(
        c.isspace() for c in text)


def level(name: str) -> Severity | None:
    """A configured level as a Severity; None for `off`."""
    return None if name == "off" else Severity(name)
