"""Stage 1, load: read YAML safely and fast, remembering the line of every key and item."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import DataError, Problem

try:  # libyaml's C parser when present: several times faster on big decks
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
Loc = tuple[Any, ...]


@dataclass
class Document:
    """A parsed YAML file plus the line (1-based) of every mapping key and sequence item."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest located ancestor."""
        for end in range(len(loc), -1, -1):
            found = self.lines.get(tuple(loc[:end]))
            if found is not None:
                return found
        return 1


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message


def load_yaml(path: Path, raw: bytes | None = None) -> Document:
    """Parse one YAML file (or its already-read bytes); every problem becomes a DataError
    naming file and line."""
    text = _read_text(path, raw)
    _precheck(path, text)
    return _parse(path, text)


def _parse(path: Path, text: str) -> Document:
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise DataError([Problem(str(path), line, f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise DataError([Problem(str(path), None, f"YAML error: {exc}")]) from None
    doc = Document(path, None)
    if node is None:
        return doc
    try:
        doc.data = _convert(node, (), doc.lines, set(), 0, yaml.SafeLoader(""))
    except _Refused as exc:
        raise DataError([Problem(str(path), exc.line, exc.message)]) from None
    return doc


def _read_text(path: Path, raw: bytes | None = None) -> str:
    if raw is None:
        raw = read_source(path)
    if len(raw) > MAX_BYTES:
        raise DataError([Problem(str(path), None,
                                 f"file is {len(raw):,} bytes (limit {MAX_BYTES:,}); split it")])
    if raw.startswith(codecs.BOM_UTF8):
        raise DataError([Problem(str(path), 1, "file starts with a byte-order mark "
                                 "(expected UTF-8 without BOM)")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(str(path), line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}"
                                 "; expected UTF-8 text)")]) from None


def read_source(path: Path) -> bytes:
    """A data file's bytes; an unreadable file is a located problem."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(str(path), None, f"cannot read file: {exc.strerror}")]) from None


def _net_brackets(line: str) -> int:
    return line.count("[") + line.count("{") - line.count("]") - line.count("}")


_NOT_BRACKET = re.compile(r"[^\[\]{}\n]+")
_DEEP_SPACES = " " * (8 * MAX_DEPTH + 1)


def _flow_depth_bound(text: str) -> int:
    """An upper bound on how deeply [ ] and { } nest: the opening brackets in all, or when
    there are many, the lines' surplus of opening brackets added up."""
    opening = text.count("[") + text.count("{")
    if opening <= 8 * MAX_DEPTH:
        return opening
    brackets = _NOT_BRACKET.sub("", text)  # only brackets and line breaks: fast to count
    return sum(max(0, _net_brackets(line)) for line in brackets.split("\n") if line)


def _precheck(path: Path, text: str) -> None:
    """Reject what PyYAML reports badly (tabs) or dangerously (absurd nesting)."""
    if "\t" not in text and _DEEP_SPACES not in text and _flow_depth_bound(text) <= 8 * MAX_DEPTH:
        return  # nothing below can be found: no tab, no deep indent, too few brackets to nest deep
    problems = []
    for number, line in enumerate(text.split("\n"), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            problems.append(Problem(str(path), number, "tab in indentation (YAML needs spaces)"))
        if len(indent) > 8 * MAX_DEPTH:
            problems.append(Problem(str(path), number, f"indented too deeply (limit {MAX_DEPTH} levels)"))
    problems += _too_deep(path, text)
    if problems:
        raise DataError(problems[:10])


def _too_deep(path: Path, text: str) -> list[Problem]:
    """Where YAML's own collections nest deeper than the limit, read from the parser's events
    (which nest nothing on the stack): brackets inside text ($[0, n)$, \\left\\{) are no nesting."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            depth += isinstance(event, yaml.CollectionStartEvent) - isinstance(event, yaml.CollectionEndEvent)
            if depth > MAX_DEPTH + 1:  # the document's own mapping is depth 0 for _convert
                line = event.start_mark.line + 1 if event.start_mark else None
                return [Problem(str(path), line, f"nested too deeply (limit {MAX_DEPTH} levels)")]
    except yaml.YAMLError:
        pass  # reported, located, by the parse proper
    return []


def _convert(node: yaml.Node, loc: Loc, lines: dict[Loc, int], seen: set[int], depth: int,
             constructor: yaml.SafeLoader) -> Any:
    """The node as plain data (only the constructor's scalar rules are used: one per file,
    because it remembers every node it built)."""
    if depth > MAX_DEPTH:
        raise _Refused(node.start_mark.line + 1, f"nested too deeply (limit {MAX_DEPTH} levels)")
    if id(node) in seen:  # the composer hands back the anchored node itself for an alias
        raise _Refused(node.start_mark.line + 1, "YAML aliases (*name) are not allowed; repeat the value instead")
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR:  # what construct_object returns for a string, without its bookkeeping
            return node.value
        try:
            return constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise _Refused(node.start_mark.line + 1, f"cannot read value: {getattr(exc, 'problem', exc)}") from None
    line = node.start_mark.line + 1
    seen.add(id(node))
    if node.tag not in (_MAP, _SEQ):
        raise _Refused(line, f"unsupported YAML tag {node.tag}")
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            if id(item) in seen:
                raise _Refused(line, "YAML aliases (*name) are not allowed; repeat the value instead")
            lines[loc + (index,)] = item.start_mark.line + 1
            items.append(_convert(item, loc + (index,), lines, seen, depth + 1, constructor))
        return items
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _convert(key_node, loc, lines, seen, depth + 1, constructor)
        key_line = key_node.start_mark.line + 1
        if not isinstance(key, (str, int)) or key_node.tag == "tag:yaml.org,2002:merge":
            raise _Refused(key_line, f"unsupported key {key!r} (expected a plain name)")
        if key in mapping:
            raise _Refused(key_line, f"duplicate key '{key}' (first at line {lines[loc + (key,)]})")
        key_loc = loc + (key,)
        lines[key_loc] = key_line
        if id(value_node) in seen:
            raise _Refused(key_line, "YAML aliases (*name) are not allowed; repeat the value instead")
        mapping[key] = _convert(value_node, key_loc, lines, seen, depth + 1, constructor)
    return mapping
