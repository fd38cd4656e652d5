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


def load_yaml(path: Path, raw: bytes | None = None, *, card_text: bool = True) -> Document:
    """Parse one YAML file (or its already-read bytes); every problem becomes a DataError
    naming file and line. With `card_text` (deck, topic and diagram files), every place where
    YAML reads other text than the line shows is a problem too; exercise files hold test data
    (strings with escapes and control characters on purpose) and pass False."""
    text = _read_text(path, raw)
    _precheck(path, text, card_text)
    return _parse(path, text, card_text)


# What a YAML syntax error usually means in a text field, and the way out.
_SYNTAX_HINTS = (
    ("escape", "in double quotes a backslash starts a YAML escape: use single quotes or a | block"),
    ("hexdecimal", "in double quotes \\x, \\u and \\U start a YAML escape: use single quotes or a | block"),
    ("mapping values are not allowed", "': ' inside an unquoted value: quote the value or use a | block"),
    ("block sequence entries are not allowed", "'- ' right after a key: start the list on the next line, or quote the value"),
    ("cannot start any token", "a value cannot start with this character unquoted: quote the value"),
    ("alias", "'*' at the start of a value is a YAML alias: quote the value"),
    ("anchor", "'&' at the start of a value is a YAML anchor: quote the value"),
    ("did not find expected key", "text after a quoted value or a [ ] or { } list: quote the whole value or use a | block"),
    ("comment or line break", "after | or > the text starts on the next line"),
)


def _syntax_hint(what: str) -> str:
    return next((f" ({hint})" for key, hint in _SYNTAX_HINTS if key in what), "")


def _parse(path: Path, text: str, card_text: bool = True) -> Document:
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        hint = _syntax_hint(f"{exc.problem} {exc.context}")
        raise DataError([Problem(str(path), line, f"YAML syntax error: {what}{hint}")]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise DataError([Problem(str(path), None, f"YAML error: {exc}")]) from None
    doc = Document(path, None)
    if node is None:
        return doc
    context = _Context(text, doc.lines, card_text)
    try:
        doc.data = _convert(node, (), context, 0)
    except _Refused as exc:
        raise DataError([Problem(str(path), exc.line, exc.message)]) from None
    problems = context.problems + (_anchors(text) if card_text else [])
    if problems:
        raise DataError([Problem(str(path), line, message) for line, message in problems[:20]])
    return doc


@dataclass
class _Context:
    """What converting one file's nodes needs: its text (to compare a scalar's value with what
    the author sees), the line table being filled, the nodes seen (aliases), one constructor
    (it remembers every node it built) and the text problems found so far."""

    text: str
    lines: dict[Loc, int]
    card_text: bool = True
    seen: set[int] = field(default_factory=set)
    constructor: yaml.SafeLoader = field(default_factory=lambda: yaml.SafeLoader(""))
    problems: list[tuple[int, str]] = field(default_factory=list)


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
        line = editor_line_count(raw[: exc.start].decode("ascii", "replace"), exc.start)
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


def _precheck(path: Path, text: str, card_text: bool = True) -> None:
    """Reject what PyYAML reports badly (tabs, line breaks editors do not show) or dangerously
    (absurd nesting). Lines are numbered as the editor shows them."""
    if card_text and ("\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text) and (
            breaks := invisible_breaks(text)):
        raise DataError([Problem(str(path), line, message) for line, message in breaks[:10]])
    if "\t" not in text and _DEEP_SPACES not in text and _flow_depth_bound(text) <= 8 * MAX_DEPTH:
        return  # nothing below can be found: no tab, no deep indent, too few brackets to nest deep
    problems = []
    for number, line in enumerate(_EDITOR_BREAK.split(text), 1):
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


def _convert(node: yaml.Node, loc: Loc, context: _Context, depth: int) -> Any:
    """The node as plain data (only the constructor's scalar rules are used)."""
    lines, seen, constructor = context.lines, context.seen, context.constructor
    if depth > MAX_DEPTH:
        raise _Refused(node.start_mark.line + 1, f"nested too deeply (limit {MAX_DEPTH} levels)")
    if id(node) in seen:  # the composer hands back the anchored node itself for an alias
        raise _Refused(node.start_mark.line + 1, "YAML aliases (*name) are not allowed; repeat the value instead")
    if isinstance(node, yaml.ScalarNode):
        if context.card_text:
            context.problems.extend(scalar_problems(context.text, node))
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
            items.append(_convert(item, loc + (index,), context, depth + 1))
        return items
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _convert(key_node, loc, context, depth + 1)
        key_line = key_node.start_mark.line + 1
        if not isinstance(key, (str, int)) or key_node.tag == "tag:yaml.org,2002:merge":
            raise _Refused(key_line, f"unsupported key {key!r} (expected a plain name)")
        if key in mapping:
            raise _Refused(key_line, f"duplicate key '{key}' (first at line {lines[loc + (key,)]})")
        key_loc = loc + (key,)
        lines[key_loc] = key_line
        if id(value_node) in seen:
            raise _Refused(key_line, "YAML aliases (*name) are not allowed; repeat the value instead")
        mapping[key] = _convert(value_node, key_loc, context, depth + 1)
    return mapping


# --- Text the author wrote never silently changes -------------------------------------------
# Where YAML's value differs from the text on the line, the author is told where and how to fix it.

# Line breaks for YAML but not for the editor (VS Code breaks lines only at LF, CRLF and CR).
_INVISIBLE_BREAKS = {"\x85": "NEL (U+0085)", "\u2028": "LINE SEPARATOR (U+2028)",
                     "\u2029": "PARAGRAPH SEPARATOR (U+2029)"}
_INVISIBLE_BREAK = re.compile("[\x85\u2028\u2029]|\r(?!\n)")
_EDITOR_BREAK = re.compile(r"\r\n|\r|\n")
# What a double-quoted escape becomes (the ones that keep the text as written are not here).
_ESCAPES = {"0": "a null character", "a": "a bell character", "b": "a backspace", "t": "a tab",
            "\t": "a tab", "n": "a line break", "v": "a vertical tab", "f": "a form feed",
            "r": "a carriage return", "e": "an escape character", " ": "a space", "/": "'/'",
            "N": "a NEL line break (U+0085)", "_": "a no-break space (U+00A0)",
            "L": "a line separator (U+2028)", "P": "a paragraph separator (U+2029)"}
_HEX_ESCAPE = {"x": 2, "u": 4, "U": 8}
_ANCHOR_LIKE = re.compile(r"(?:^|[:?,\[{-])[ \t]*&[^\s]", re.M)  # '&' where a value starts
_MARKDOWN_BLOCK = re.compile(r"([-*+]|\d{1,9}[.)])(\s|$)|#{1,6}(\s|$)|>|```|~~~|\|")


def invisible_breaks(text: str) -> list[tuple[int, str]]:
    """(editor line, problem) for each line break YAML sees and an editor may not: NEL, U+2028,
    U+2029 (YAML starts a new line, VS Code does not) and a lone CR (YAML and VS Code start a
    new line, most other tools do not). Lines are counted as VS Code counts them."""
    found: list[tuple[int, str]] = []
    for match in _INVISIBLE_BREAK.finditer(text):
        line = len(_EDITOR_BREAK.findall(text, 0, match.start())) + 1
        char = match.group()
        if char == "\r":
            message = ("lone carriage return (CR) as a line break: YAML starts a new line here, "
                       "most tools other than VS Code do not; save the file with LF line endings")
        else:
            message = (f"invisible line break {_INVISIBLE_BREAKS[char]}: YAML starts a new line here, "
                       "your editor does not; delete it (press Enter for a real line break)")
        if not found or found[-1][0] != line:
            found.append((line, message))
    return found


def editor_line_count(text: str, end: int) -> int:
    """The 1-based editor line (LF, CRLF or CR end a line) of position `end` of `text`."""
    return len(_EDITOR_BREAK.findall(text, 0, end)) + 1


def scalar_problems(text: str, node: yaml.ScalarNode) -> list[tuple[int, str]]:
    """Where this scalar's value is not the text on its lines: escapes in double quotes, a
    comment that cuts a plain value short, line structure that folding removes."""
    start, end = node.start_mark.index, node.end_mark.index
    first_line = node.start_mark.line + 1
    if node.style == '"' and "\\" in text[start:end]:
        found = _escape_problem(text[start:end], first_line)
        if found:
            return [found]
    problems = []
    if not node.style and end > start:
        cut = _comment_cut(text, node)
        if cut:
            problems.append((node.end_mark.line + 1, cut))
    if node.style in (None, "", "'", '"') and node.end_mark.line > node.start_mark.line:
        folded = _folded_structure(text[start:end], first_line)
        if folded:
            problems.append(folded)
    return problems


def _escape_problem(source: str, first_line: int) -> tuple[int, str] | None:
    """The first line with escapes that change the text (all but \\\\, \\" and an escaped line
    break), naming what YAML reads for each."""
    seen: list[str] = []
    line = 0
    for match in re.finditer(r"\\(.)", source, re.S):
        char = match.group(1)
        if char in '\\"\n\r':
            continue
        if char in _HEX_ESCAPE:
            digits = source[match.end(): match.end() + _HEX_ESCAPE[char]]
            what = f"U+{int(digits, 16):04X}" if re.fullmatch(r"[0-9A-Fa-f]+", digits) else "an escape"
            shown, meaning = f"\\{char}{digits}", f"the character {what}"
        else:
            shown, meaning = f"\\{char}", _ESCAPES.get(char, "an escape")
        if not seen:
            line = first_line + source.count("\n", 0, match.start())
        if shown not in [s.split(" ")[0] for s in seen]:
            seen.append(f"{shown} as {meaning}")
    if not seen:
        return None
    return (line, f"in double quotes YAML reads {', '.join(seen[:3])} (not a backslash): "
                  "use single quotes or a | block (or write \\\\ for each backslash)")


def _comment_cut(text: str, node: yaml.ScalarNode) -> str | None:
    """A ' #' after an unquoted value starts a YAML comment: the rest of the line is dropped.
    Reported when that looks like text (#1, #tag, or a one-space gap after words), not like a
    comment the author meant."""
    end = node.end_mark.index
    if text[end:end + 1] not in (" ", "\t"):
        return None  # the usual case: the value ends the line
    line_end = _EDITOR_BREAK.search(text, end)
    rest = text[end: line_end.start() if line_end else len(text)]
    match = re.match(r"([ \t]+)#(\S?)", rest)
    if match is None:
        return None
    value = str(node.value)
    if match.group(2) or (match.group(1) == " " and re.search(r"\s", value)):
        dropped = rest.strip()
        shown = dropped if len(dropped) <= 30 else dropped[:29] + "…"
        return (f"' #' ends this unquoted value: YAML reads '{shown}' as a comment and drops it; "
                "quote the value or use a | block (or put a comment on its own line)")
    return None


def _folded_structure(source: str, first_line: int) -> tuple[int, str] | None:
    """A plain or quoted value over several lines is folded: single line breaks become spaces
    and a blank line a single line break, so list items, headings and paragraphs written on
    their own lines run together on the card."""
    lines = _EDITOR_BREAK.split(source)
    for offset, raw in enumerate(lines[1:], 1):
        stripped = raw.strip().lstrip("'\"")
        if not stripped:
            if offset < len(lines) - 1:
                what = "a blank line (the paragraphs run together)"
            else:
                continue
        elif _MARKDOWN_BLOCK.match(stripped):
            what = f"'{stripped[:20].rstrip(chr(39) + chr(34))}' on its own line"
        else:
            continue
        return (first_line + offset, f"YAML joins the lines of a value written without | , so {what} "
                "does not reach the card as written: use a | block")
    return None


def _anchors(text: str) -> list[tuple[int, str]]:
    """'&name' before a value is a YAML anchor: YAML drops it from the text (aliases, the only
    use of anchors, are refused anyway)."""
    if "&" not in text or not _ANCHOR_LIKE.search(text):
        return []
    found = []
    for event in yaml.parse(text, Loader=SafeLoader):
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else 1
            found.append((line, f"'&{anchor}' before a value is a YAML anchor and is "
                          "dropped from the text: quote the value"))
    return found
