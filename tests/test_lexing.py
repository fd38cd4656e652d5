"""generator.lexing: the rule-skipping RegexLexer loop gives exactly Pygments' own tokens."""

from __future__ import annotations

import re
from itertools import islice
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexer import RegexLexer
from pygments.lexers import get_all_lexers, get_lexer_by_name

from generator import lexing
from generator.render import _lexer

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
TRICKY = (
    "x = r'''raw\n''' + b\"\\x00\" + f\"{a!r:>{w}}\"  # comment\n"
    "SELECT * FROM t WHERE a <> 'it''s' -- note\n"
    "fn main() { let s = \"\\u{1F600}\"; println!(\"{}\", s); }\n"
    "<div class=\"a\">&amp; <!-- c --></div>\n\\begin{equation} x^2 \\end{equation}\n"
    "\"unterminated 'quote\\\n\ttab K \u212a \u017f \u0130 \u00e9 中文 \u00a0 \ufeff\r\n@decorator\n"
    "case $x in *) echo \"${x:-default}\" ;; esac\n"
)


def _deck_code() -> str:
    """Every fenced code block in the real deck, one after another."""
    blocks = []
    for path in sorted((ROOT / "data" / "topics").glob("*.yaml")):
        for note in yaml.safe_load(path.read_text(encoding="utf-8"))["notes"]:
            for value in note.values():
                if isinstance(value, str):
                    blocks.extend(FENCE.findall(value))
    return "\n".join(blocks)


def _regex_lexer_aliases() -> list[str]:
    aliases = []
    for _name, names, _files, _mimes in get_all_lexers():
        if names:
            aliases.append(names[0])
    return aliases


# The deck's code, the exercise references (Python), the card CSS, the CI script (shell), and
# a few lines meant to trip lexers up.
CORPUS = "\n".join([_deck_code(), *(path.read_text(encoding="utf-8") for path in (
    *sorted((ROOT / "data" / "exercises").glob("*.reference.py")), ROOT / "templates" / "anki" / "style.css",
    ROOT / ".ci" / "run")), TRICKY])


def _sped_up(alias: str) -> RegexLexer | None:
    lexer = lexing.speed_up(get_lexer_by_name(alias, stripnl=False, ensurenl=False))
    return lexer if isinstance(lexer, RegexLexer) and lexing.is_sped_up(lexer) else None


def test_the_deck_has_code_to_compare() -> None:
    assert CORPUS.count("\n") > 150 and "def " in CORPUS and "{" in CORPUS


def test_every_regex_lexer_gives_pygments_tokens() -> None:
    """All of Pygments' lexers that run the RegexLexer loop (directly, or wrapped like the C
    family's), on the deck's code and on text that is not their language (unterminated
    strings, Unicode, tabs, CR LF). The instances not passed to speed_up run Pygments' loop."""
    compared, different = 0, []
    for alias in _regex_lexer_aliases():
        fast = _sped_up(alias)
        if fast is None:
            continue
        stock = get_lexer_by_name(alias, stripnl=False, ensurenl=False)
        try:
            expected = list(stock.get_tokens(CORPUS))
        except Exception:  # noqa: BLE001 - a few lexers fail on foreign text; so must ours
            with pytest.raises(Exception):  # noqa: B017
                list(fast.get_tokens(CORPUS))
            continue
        compared += 1
        if list(islice(fast.get_tokens(CORPUS), len(expected) + 1)) != expected:  # a bug may never end
            different.append(alias)
    assert compared > 400, compared  # Pygments 2.17+ has 450+ such lexers
    assert different == []


@pytest.mark.parametrize("alias", ["python", "rust", "bash", "sql", "latex", "html", "javascript", "go",
                                   "ini", "css", "perl", "haskell", "cpp", "c", "lua"])
@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("abcdefkKrsxyz_019 \t\n\"'`#$%&()*+,-./:;<=>?@[\\]^{|}~"
                                                  "\u212a\u017f\u0130\u00e9中\u00a0")), max_size=60),
       data=st.data())
def test_no_rule_that_matches_is_skipped(alias: str, text: str, data: st.DataObject) -> None:
    """The invariant the loop rests on: wherever a rule matches, it is among the candidates
    for the character there."""
    lexer = _sped_up(alias)
    assert lexer is not None
    list(islice(lexer.get_tokens_unprocessed(text), 10 * len(text) + 10))  # builds the states
    states = lexing._states[type(lexer)]
    if not text:
        return
    pos = data.draw(st.integers(0, len(text) - 1))
    for state in states.values():
        candidates = state.by_char.get(text[pos]) or state.candidates(text[pos])
        for rule in state.rules:
            if rule[0](text, pos):
                assert rule in candidates, (rule[0].__self__.pattern, text[pos:])


@pytest.mark.parametrize(("pattern", "flags", "text"), [
    ("k", re.I, "\u212a"),  # the Kelvin sign folds onto k
    ("s+", re.I, "\u017f"),  # so does the long s onto s
    ("[a-z]", re.I, "K"),
    ("[^a]", re.I, "B"),
    ("\\w+", 0, "中文"),
    ("(?=x)x|y", 0, "x"),
    ("\\bfoo", 0, "foo"),
    ("(ab)?c", 0, "c"),
    ("a*", 0, "z"),  # can match empty: anywhere
    ("(a)\\1", 0, "aa"),
])
def test_may_begin_is_never_wrong(pattern: str, flags: int, text: str) -> None:
    compiled = re.compile(pattern, flags)
    assert compiled.match(text)  # the example really matches
    starts = lexing._starts(compiled.match)
    assert starts is None or any(lexing._may_begin(item, text[0]) for item in starts)


def test_rules_are_skipped_where_they_cannot_match() -> None:
    starts = lexing._starts(re.compile(r'"""[^"]*"""', re.M).match)
    assert starts is not None
    assert not any(lexing._may_begin(item, "x") for item in starts)
    assert any(lexing._may_begin(item, '"') for item in starts)


def test_lexers_with_their_own_loop_are_left_alone() -> None:
    for alias in ("json", "yaml"):  # a hand-written loop; ExtendedRegexLexer's
        lexer = lexing.speed_up(get_lexer_by_name(alias))
        assert not lexing.is_sped_up(lexer) or "get_tokens_unprocessed" in type(lexer).__dict__
    stock = get_lexer_by_name("python")
    lexing.speed_up(get_lexer_by_name("python"))
    assert not lexing.is_sped_up(stock)  # other instances keep Pygments' loop


def test_cards_use_the_fast_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = lexing._tokens
    monkeypatch.setattr(lexing, "_tokens", lambda *args: calls.append(args[0]) or real(*args))
    for alias in ("python", "cpp"):
        list(_lexer(alias).get_tokens("int x = 1;"))
    assert [type(lexer).__name__ for lexer in calls] == ["PythonLexer", "CppLexer"]
