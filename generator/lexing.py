"""Pygments' RegexLexer loop, with the rules that cannot match skipped: same tokens, 2-5x faster.

A RegexLexer tries its current state's rules in order at every position and takes the first
that matches. Most rules cannot match at most positions: a rule for a triple-quoted string
cannot start at `x`. Pygments still calls every one of them, one regex call each, and on a
deck with thousands of code blocks that loop is the largest single cost of a cold build.

Here each rule's pattern is parsed once (with the `re` module's own parser) to find the
characters a match can begin with; a pattern that can match the empty string, or that uses a
construct this analysis does not model, may begin anywhere. For every (state, character) met
in the text, the rules that may begin with that character are listed once, in their order,
and only they are tried. A skipped rule could not have matched, so the first rule that
matches is the one Pygments would have taken, and the tokens are the same
(tests/test_lexing.py compares them with Pygments' own on every lexer the decks use and on
generated text). Lexers with a loop of their own (ExtendedRegexLexer, hand-written ones) are
left as Pygments made them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

if TYPE_CHECKING:
    from pygments.lexer import Lexer

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C
    import sre_parse as P

Rule = tuple[Callable[[str, int], Any], Any, Any]  # Pygments' processed rule: (match, action, new state)
Item = tuple[Any, Any, int]  # one way a match can begin: (sre opcode, argument, flags)
_CATEGORIES: dict[Any, Callable[[str], bool]] = {  # str methods are what sre's Unicode classes use
    C.CATEGORY_DIGIT: str.isdecimal,
    C.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
    C.CATEGORY_SPACE: str.isspace,
    C.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    C.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    C.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}  # skipped: they only narrow what may follow


class _Anywhere(Exception):
    """The analysis cannot bound where this pattern may begin."""


def speed_up(lexer: Lexer) -> Lexer:
    """`lexer`, tokenizing with the rule-skipping loop when it is a RegexLexer; returned as is
    otherwise. Lexers that wrap Pygments' loop (the C family's, which retypes some names) get
    it too: RegexLexer.get_tokens_unprocessed is replaced, once, by a dispatcher that runs the
    fast loop for the lexers passed here and Pygments' own for every other."""
    from pygments.lexer import RegexLexer

    if isinstance(lexer, RegexLexer):
        _install(RegexLexer)
        lexer.__dict__[_FLAG] = True
    return lexer


_FLAG = "_cardsmith_fast_loop"


def _install(regex_lexer: type) -> None:
    pygments_loop = regex_lexer.get_tokens_unprocessed  # type: ignore[attr-defined]
    if getattr(pygments_loop, "_cardsmith", False):
        return

    def get_tokens_unprocessed(self: Any, text: str, stack: Sequence[str] = ("root",)
                               ) -> Iterator[tuple[int, Any, str]]:
        if self.__dict__.get(_FLAG):
            return _tokens(self, text, stack)
        return pygments_loop(self, text, stack)  # type: ignore[no-any-return]

    get_tokens_unprocessed._cardsmith = True  # type: ignore[attr-defined]
    get_tokens_unprocessed.__doc__ = pygments_loop.__doc__
    regex_lexer.get_tokens_unprocessed = get_tokens_unprocessed  # type: ignore[attr-defined]


def is_sped_up(lexer: Lexer) -> bool:
    """Whether `lexer` runs the rule-skipping loop."""
    return bool(lexer.__dict__.get(_FLAG))


class _State:
    """One lexer state: its rules, and for each character seen the rules that may begin there."""

    __slots__ = ("rules", "starts", "by_char")

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self.starts: list[list[Item] | None] | None = None
        self.by_char: dict[str, tuple[Rule, ...]] = {}

    def candidates(self, char: str) -> tuple[Rule, ...]:
        if self.starts is None:
            self.starts = [_starts(rule[0]) for rule in self.rules]
        found = tuple(rule for rule, items in zip(self.rules, self.starts) if items is None or _begins(items, char))
        self.by_char[char] = found
        return found


def _begins(items: list[Item], char: str) -> bool:
    """Whether a match of the pattern these items describe may begin with `char` (memoized:
    through `include`, one pattern serves in many states)."""
    key = (id(items), char)
    found = _begins_memo.get(key)
    if found is None:
        found = _begins_memo[key] = any(_may_begin(item, char) for item in items)
    return found


_begins_memo: dict[tuple[int, str], bool] = {}  # the item lists live in _patterns for good


_states: dict[type, dict[str, _State]] = {}
_patterns: dict[tuple[str, int], list[Item] | None] = {}


def _starts(match: Callable[[str, int], Any]) -> list[Item] | None:
    """How a match of the rule's pattern can begin; None: anywhere (or at the end of the text)."""
    pattern = getattr(match, "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    key = (pattern.pattern, pattern.flags)
    if key not in _patterns:
        try:
            parsed = P.parse(pattern.pattern, pattern.flags)
            items: list[Item] = []
            _patterns[key] = None if _first(parsed.data, parsed.state.flags, items) else items
        except Exception:  # noqa: BLE001 - anything unexpected: simply never skip this rule
            _patterns[key] = None
    return _patterns[key]


def _first(data: Sequence[tuple[Any, Any]], flags: int, out: list[Item]) -> bool:
    """Add to `out` every item a match of `data` can begin with; True if it can match empty."""
    for op, av in data:
        if op in (C.LITERAL, C.NOT_LITERAL, C.IN):
            if flags & (re.ASCII | re.LOCALE):
                raise _Anywhere  # byte/ASCII classes: not modelled
            out.append((op, av, flags))
            return False
        if op in _ZERO_WIDTH:
            continue
        if op is C.SUBPATTERN:
            _, add, remove, sub = av
            if not _first(sub.data, (flags | add) & ~remove, out):
                return False
        elif op is C.BRANCH:
            nullable = False
            for alternative in av[1]:
                nullable |= _first(alternative.data, flags, out)
            if not nullable:
                return False
        elif op in _REPEATS:
            low, high, sub = av
            if high != 0 and not _first(sub.data, flags, out) and low > 0:
                return False
        elif op is getattr(C, "ATOMIC_GROUP", None):
            if not _first(av.data, flags, out):
                return False
        else:  # ANY, back references, conditionals, …
            raise _Anywhere
    return True


def _may_begin(item: Item, char: str) -> bool:
    """Whether `item` may match `char` (True when unsure)."""
    op, av, flags = item
    variants: Sequence[str] = (char,)
    if flags & re.IGNORECASE:
        # Case-insensitive Unicode matching folds some non-ASCII letters onto ASCII ones (the
        # Kelvin sign onto k): only all-ASCII comparisons are decided here.
        if ord(char) > 127 or _non_ascii(op, av):
            return True
        variants = (char, char.lower(), char.upper())
    try:
        for variant in variants:
            code = ord(variant)
            if op is C.LITERAL:
                if code == av:
                    return True
            elif op is C.NOT_LITERAL:
                if code != av:
                    return True
            elif _in_set(av, variant, code):
                return True
    except _Anywhere:
        return True
    return False


def _non_ascii(op: Any, av: Any) -> bool:
    if op is C.LITERAL or op is C.NOT_LITERAL:
        return bool(av > 127)
    return any((kind is C.LITERAL and value > 127) or (kind is C.RANGE and value[1] > 127)
               for kind, value in av)


def _in_set(members: Sequence[tuple[Any, Any]], char: str, code: int) -> bool:
    hit, negate = False, False
    for kind, value in members:
        if kind is C.NEGATE:
            negate = True
        elif kind is C.LITERAL:
            hit = hit or code == value
        elif kind is C.RANGE:
            hit = hit or value[0] <= code <= value[1]
        elif kind is C.CATEGORY and value in _CATEGORIES:
            hit = hit or _CATEGORIES[value](char)
        else:
            raise _Anywhere
    return hit != negate


def _tokens(self: Any, text: str, stack: Sequence[str] = ("root",)) -> Iterator[tuple[int, Any, str]]:
    """RegexLexer.get_tokens_unprocessed (Pygments 2.x), trying only the rules that may begin
    at the current character."""
    from pygments.token import Error, Whitespace, _TokenType

    tokendefs = self._tokens
    states = _states.get(type(self))
    if states is None:
        states = _states[type(self)] = {name: _State(rules) for name, rules in tokendefs.items()}
    pos, end = 0, len(text)
    statestack = list(stack)
    state = states[statestack[-1]]
    while 1:
        if pos < end:
            char = text[pos]
            rules = state.by_char.get(char)
            if rules is None:
                rules = state.candidates(char)
        else:
            rules = state.rules
        for rexmatch, action, new_state in rules:
            m = rexmatch(text, pos)
            if m:
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, m.group()
                    else:
                        yield from action(self, m)
                pos = m.end()
                if new_state is not None:
                    if isinstance(new_state, tuple):
                        for name in new_state:
                            if name == "#pop":
                                if len(statestack) > 1:
                                    statestack.pop()
                            elif name == "#push":
                                statestack.append(statestack[-1])
                            else:
                                statestack.append(name)
                    elif isinstance(new_state, int):
                        if abs(new_state) >= len(statestack):  # pop, keeping at least one state
                            del statestack[1:]
                        else:
                            del statestack[new_state:]
                    elif new_state == "#push":
                        statestack.append(statestack[-1])
                    else:  # pragma: no cover - Pygments rejects such rules when it builds them
                        raise AssertionError(f"wrong state def: {new_state!r}")
                    state = states[statestack[-1]]
                break
        else:  # no rule matched
            if pos >= end:
                break
            if text[pos] == "\n":  # at the end of a line, back to "root"
                statestack = ["root"]
                state = states["root"]
                yield pos, Whitespace, "\n"
            else:
                yield pos, Error, text[pos]
            pos += 1
