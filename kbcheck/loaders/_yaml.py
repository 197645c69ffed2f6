"""YAML frontmatter: parse with libyaml, build the data and the field-path → line map in one walk.

libyaml (`yaml.CSafeLoader`) composes the node tree in C; we then walk the nodes ourselves instead
of letting PyYAML construct Python objects, because the walk gives us what construction cannot:
the line of every key and item, a budget on alias expansion ("billion laughs"), a guard against
recursive aliases, duplicate keys, and dates kept as strings (the timestamp resolver is removed)
so that Pydantic reports a bad date like ``2024-13-01`` at its line.

libyaml's composer recurses in C and crashes the interpreter on very deep nesting, so the text is
checked for depth before libyaml sees it (`_too_deep_at`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from kbcheck.models import Finding, Severity

MAX_DEPTH = 100  # nesting levels; libyaml's C recursion is safe far beyond this
MAX_NODES = 100_000  # node visits, alias expansions included

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_ScalarNode, _MappingNode = yaml.ScalarNode, yaml.MappingNode
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.CSafeLoader):
    """CSafeLoader without the timestamp resolver: dates stay strings for Pydantic to check."""

    # libyaml calls these back for every node; the base versions also serve path resolvers,
    # which nobody registers here, so lean versions save a third of the parse time.
    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def resolve(self, kind, value, implicit):
        if kind is _ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}

_IMPLICIT = _Loader.yaml_implicit_resolvers

# Scalars are built from the tag libyaml's resolver gave them; anything else stays a string.
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null": yaml.constructor.SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": yaml.constructor.SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
}

_OTHER_BREAKS = str.maketrans({"\x85": " ", "\u2028": " ", "\u2029": " "})
_BLOCK_TOO_DEEP = re.compile(rf"^[ \t?-]{{{2 * MAX_DEPTH}}}", re.M)


@dataclass
class YamlResult:
    """The mapping parsed from a frontmatter block (None when it could not be), the line of each
    field path and the column of its value, and the findings on the way."""

    data: dict[str, Any] | None = None
    lines: dict[str, int] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)  # of each value, 1-based
    findings: list[Finding] = field(default_factory=list)


class _Abort(Exception):
    """Stops the walk: the document breaks a limit (the finding is attached)."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


def _too_deep_at(text: str) -> int | None:
    """Where the text may nest deeper than MAX_DEPTH (an offset), else None. Cheap, and errs on
    the side of "too deep" only for absurd inputs (a hundred unclosed brackets, two hundred
    columns of indentation)."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = 0
        for m in re.finditer(r"[\[\]{}]", text):
            depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
            if depth > MAX_DEPTH:
                return m.start()
    m = _BLOCK_TOO_DEEP.search(text)
    return m.start() if m else None


def parse_frontmatter(text: str, path: str, first_line: int) -> YamlResult:
    """Parse `text` (the lines between the fences; its first line is file line `first_line`)."""
    res = YamlResult()

    def finding(rule: str, message: str, line: int | None, column: int | None = None,
                hint: str | None = None, severity: Severity = Severity.error) -> Finding:
        return Finding(rule=rule, severity=severity, path=path, line=line, column=column,
                       message=message, hint=hint)

    if "\x85" in text or "\u2028" in text or "\u2029" in text:
        # libyaml breaks lines at these too; as spaces they keep its line numbers on the file's
        # (a value folds a line break to a space anyway, except in a `|` block)
        text = text.translate(_OTHER_BREAKS)
    deep = _too_deep_at(text)
    if deep is not None:
        res.findings.append(finding(
            "yaml-too-deep", f"the frontmatter nests deeper than {MAX_DEPTH} levels",
            first_line + text.count("\n", 0, deep),
            hint="flatten the structure; article metadata needs a few levels"))
        return res
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        col = mark.column + 1 if mark else None
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        res.findings.append(finding("yaml-syntax", f"YAML syntax error: {what}", line, col,
                                    hint="check indentation, colons and quoting on this line"))
        return res
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        pos = getattr(exc, "position", None)
        line = first_line + text.count("\n", 0, pos) if isinstance(pos, int) else first_line
        reason = getattr(exc, "reason", None) or str(exc)
        res.findings.append(finding("yaml-syntax", f"YAML cannot read this text: {reason}", line,
                                    hint="remove control characters from the frontmatter"))
        return res
    except UnicodeEncodeError as exc:  # lone surrogates cannot be handed to libyaml
        line = first_line + text.count("\n", 0, exc.start)
        res.findings.append(finding("yaml-syntax", f"YAML cannot read this text: {exc.reason}",
                                    line, hint="the text holds an invalid character"))
        return res

    if root is None:  # an empty block: no metadata at all
        res.data = {}
        return res
    if not isinstance(root, yaml.MappingNode):
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        res.findings.append(finding(
            "frontmatter-not-mapping", f"the frontmatter is {kind}, not a mapping of fields",
            root.start_mark.line + first_line, root.start_mark.column + 1,
            hint="write the frontmatter as `key: value` lines"))
        return res
    walker = _Walker(res, path, first_line, finding)
    try:
        res.data = walker.mapping(root, "")
    except _Abort as stop:
        res.findings.append(stop.finding)
        res.data = None
    return res


def _scalar(node: yaml.ScalarNode) -> Any:
    """A scalar's value from the tag the resolver gave it (null, bool, int, float; else text)."""
    build = _SCALAR_TAGS.get(node.tag)
    if build is None:
        return node.value
    try:
        return build(_CONSTRUCTOR, node)
    except (ValueError, OverflowError, yaml.YAMLError):
        return node.value


class _Walker:
    """Builds plain data and the line map from a node tree, within the node budget.

    Written for speed (it runs on every frontmatter): scalars are handled inline, and the budget
    is charged per collection for all its children at once.
    """

    def __init__(self, res: YamlResult, path: str, first_line: int, finding):
        self.res, self.path, self.first, self.finding = res, path, first_line, finding
        self.lines, self.columns = res.lines, res.columns
        self.budget = MAX_NODES
        self.active: set[int] = set()  # collections being walked: meeting one again = recursion

    def value(self, node: yaml.Node, where: str) -> Any:
        if type(node) is _ScalarNode:
            return node.value if node.tag == _STR else _scalar(node)
        key = id(node)
        if key in self.active:
            raise _Abort(self.finding(
                "yaml-alias-expansion", f"a recursive alias at `{where or 'top'}`",
                node.start_mark.line + self.first, node.start_mark.column + 1,
                hint="an alias may not refer to a value that contains it"))
        if len(self.active) >= MAX_DEPTH:  # aliases nest values that the text does not
            raise _Abort(self.finding(
                "yaml-too-deep", f"the frontmatter nests deeper than {MAX_DEPTH} levels "
                "(aliases included)", node.start_mark.line + self.first,
                node.start_mark.column + 1,
                hint="flatten the structure; article metadata needs a few levels"))
        self.active.add(key)
        try:
            if type(node) is _MappingNode:
                return self.mapping(node, where)
            return self.sequence(node, where)
        finally:
            self.active.discard(key)

    def _charge(self, node: yaml.Node) -> None:
        self.budget -= len(node.value) + 1
        if self.budget < 0:
            raise _Abort(self.finding(
                "yaml-alias-expansion",
                f"the frontmatter expands to more than {MAX_NODES} values (aliases included)",
                node.start_mark.line + self.first,
                hint="an alias bomb ('billion laughs') or far too much metadata; remove the "
                     "nested aliases"))

    def sequence(self, node: yaml.SequenceNode, where: str) -> list[Any]:
        self._charge(node)
        out = []
        lines, columns, first = self.lines, self.columns, self.first
        for i, item in enumerate(node.value):
            sub = f"{where}.{i}"
            if sub not in lines:
                lines[sub] = item.start_mark.line + first
                columns[sub] = item.start_mark.column + 1
            if type(item) is _ScalarNode:
                out.append(item.value if item.tag == _STR else _scalar(item))
            else:
                out.append(self.value(item, sub))
        return out

    def mapping(self, node: yaml.MappingNode, where: str) -> dict[str, Any]:
        self._charge(node)
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        lines, columns, first = self.lines, self.columns, self.first
        prefix = f"{where}." if where else ""
        for knode, vnode in node.value:
            line = knode.start_mark.line + first
            if type(knode) is not _ScalarNode:
                self.res.findings.append(self.finding(
                    "yaml-syntax", "a key that is a list or mapping is not supported here",
                    line, knode.start_mark.column + 1, hint="use plain words as keys"))
                continue
            if knode.tag == _MERGE:  # `<<: *defaults`: keys written here win over merged ones
                val = self.value(vnode, where)
                for part in val if isinstance(val, list) else [val]:
                    if isinstance(part, dict):
                        for k, v in part.items():
                            merged.setdefault(k, v)
                            lines.setdefault(prefix + k, line)
                continue
            key = knode.value
            sub = prefix + key
            if key in out:
                self.res.findings.append(self.finding(
                    "duplicate-key", f"`{sub}` is given twice; the later value wins", line,
                    knode.start_mark.column + 1, severity=Severity.warning,
                    hint=f"remove one of the two `{key}:` lines (the first is at line "
                         f"{lines.get(sub)})"))
            lines[sub] = line
            columns[sub] = vnode.start_mark.column + 1
            if type(vnode) is _ScalarNode:
                out[key] = vnode.value if vnode.tag == _STR else _scalar(vnode)
            else:
                out[key] = self.value(vnode, sub)
        if merged:
            for k, v in merged.items():
                out.setdefault(k, v)
        return out


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
