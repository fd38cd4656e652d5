"""Issue 14 §2 and §7: a package's cloze cards are exactly the cards Anki's backend makes of the
same text, only what Anki gets wrong is refused, and valid math (half-open intervals, \\\\[4pt]
row spacing) is accepted.

The oracle is the official `anki` package: a note with the same fields added to a collection
gets the cards Anki's own card generation gives it.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from anki_helpers import import_apkg, new_collection
from generator import cloze
from generator.build import build
from generator.cards import FieldRenderer
from generator.errors import DataError
from generator.lint import check_note
from generator.model import Deck, Note

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "mini"


# --- the parser reads raw text exactly as Anki's backend does ---------------------------------


@pytest.fixture(scope="module")
def anki_col(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A collection with Anki's stock Cloze note type, to ask which cards a text gets."""
    col = new_collection(tmp_path_factory.mktemp("anki-oracle"))
    yield col
    col.close()


def anki_ords(col: Any, fields: dict[str, str], notetype: Any = None) -> list[int]:
    """The cards Anki's own card generation gives a new note with these fields."""
    note = col.new_note(notetype or col.models.by_name("Cloze"))
    for name, value in fields.items():
        note[name] = value
    col.add_note(note, 1)
    return sorted(card.ord for card in note.cards())


_PIECES = ["{{c1::", "{{c2::", "{{c12::", "{{c0::", "{{c1,3::", "{{c501::", "{{c70000::", "{{c::", "{{c,2::",
           "}}", "}", "{", "::", ":", "a", " ", "c1", "{{", "image-occlusion:", "\\(", "\\)", "$"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join), st.lists(st.sampled_from(_PIECES), max_size=6).map("".join))
def test_card_ords_are_ankis(anki_col: Any, text: str, extra: str) -> None:
    assert cloze.card_ords([text, extra]) == anki_ords(anki_col, {"Text": text, "Back Extra": extra})


def test_card_ords_examples_from_the_issue(anki_col: Any) -> None:
    for text in ["{{c0::42}}", "{{c1::}}", "{{c1::}} … {{c2::Romania}}", "{{c1::a {{c2::b}}}}",
                 "{{c1::a::hint}} {{c3::b}}", "{{c2::a}}}}", "x" * 10 + "{{c600::y}}",
                 "".join(f"{{{{c{i}::" for i in range(1, 13)) + "x" + "}}" * 12]:
        assert cloze.card_ords([text]) == anki_ords(anki_col, {"Text": text}), text


# --- what a build accepts gets Anki's cards; it refuses only what Anki gets wrong -------------


@dataclass(frozen=True)
class Piece:
    """Cloze source text, whether Anki gets it wrong (so the build must refuse it), and the
    cloze numbers it holds."""

    text: str
    wrong: bool = False
    numbers: frozenset[int] = frozenset()


def _join(pieces: list[Piece], sep: str = " ") -> Piece:
    return Piece(sep.join(p.text for p in pieces), any(p.wrong for p in pieces),
                 frozenset().union(*(p.numbers for p in pieces)))


WORDS = ["alpha", "Paris", "河流", "x", "{x}", "[0, n)", "a:b"]
# math and code that are fine anywhere, and those holding a '}}' or '::' that Anki would end
# or split a cloze at when they stand inside one (outside any cloze they are fine)
MATH = ["$x^{2}$", "$[0, n)$", "$(0, 1]$", "$\\{a\\}$", "$\\sqrt{x}$", "$]a, b[$", "$\\mathbb{E}_{x}[f_{i}]$"]
MATH_CUT = ["$\\frac{1}{\\sqrt{x}}$", "$a::b$", "$e^{x^{2}}$"]
CODE = ["`x`", "`f(x)`", "`{x}`", "`x: int`"]
CODE_CUT = ["`std::vector`", "`d = {1: {2: 3}}`", "`a[::2]`"]


@st.composite
def numbers(draw: st.DrawFn, taken: frozenset[int]) -> tuple[list[int], bool]:
    """A cloze's number(s), none of its enclosing clozes' (Anki elides a number nested in
    itself), and whether Anki gets them wrong (0, or past 500)."""
    free = [n for n in (1, 2, 3, 4, 7) if n not in taken]
    chosen = draw(st.lists(st.sampled_from(free), min_size=1, max_size=2, unique=True))
    odd = draw(st.sampled_from([None] * 30 + [0, 501]))
    return (chosen if odd is None else [odd]), odd is not None


@st.composite
def deletion(draw: st.DrawFn, depth: int, taken: frozenset[int]) -> Piece:
    """{{cN::…}} with words, math, code, braces, nested clozes and maybe a hint."""
    nums, wrong = draw(numbers(taken))
    empty = draw(st.sampled_from([False] * 12 + [True]))
    body = Piece(draw(st.sampled_from(["", " ", "<b></b>"]))) if empty else draw(
        content(depth + 1, taken | set(nums), inside=True))
    hint = draw(st.sampled_from([None, None, "hint", "two words"]))
    stripped = body.text.strip()
    wrong = wrong or body.wrong or empty  # an empty cloze asks for nothing
    wrong = wrong or (hint is None and stripped.endswith("{x}"))  # '{x}}}': Anki ends at the first '}}'
    text = "{{c" + ",".join(map(str, nums)) + "::" + body.text + (f"::{hint}" if hint else "") + "}}"
    return Piece(text, wrong, body.numbers | frozenset(nums))


@st.composite
def content(draw: st.DrawFn, depth: int, taken: frozenset[int], inside: bool, min_size: int = 1) -> Piece:
    """A run of pieces separated by spaces."""
    kinds = ["word", "word", "math", "code"] + (["deletion", "deletion", "math_cloze", "code_cloze"] if depth < 2 else [])
    pieces = []
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=min_size, max_size=3)):
        if kind == "word":
            pieces.append(Piece(draw(st.sampled_from(WORDS))))
        elif kind in ("math", "code"):
            cut = draw(st.sampled_from(MATH_CUT if kind == "math" else CODE_CUT))
            fine = draw(st.sampled_from(MATH if kind == "math" else CODE))
            pieces.append(draw(st.sampled_from([Piece(fine)] * 4 + [Piece(cut, wrong=inside)])))
        elif kind == "deletion":
            pieces.append(draw(deletion(depth, taken)))
        else:  # a cloze inside math or code: Anki handles it, but in code a '::' is no hint
            nums, wrong = draw(numbers(taken))
            hint = draw(st.sampled_from(["", "", "", "::h"]))
            inner = "{{c" + ",".join(map(str, nums)) + "::z" + hint + "}}"
            text = f"$y = {inner}$" if kind == "math_cloze" else f"`f({inner})`"
            pieces.append(Piece(text, wrong or (kind == "code_cloze" and bool(hint)), frozenset(nums)))
    return _join(pieces)


@st.composite
def cloze_note(draw: st.DrawFn) -> tuple[str, str | None, bool]:
    """A note's text (runs of pieces, maybe a code fence) and extra, and whether the build must
    refuse it: Anki gets a piece wrong, the note has no cloze, a highlighted fence hides one,
    or the extra holds one (Anki makes a card of it that shows nothing)."""
    first = [draw(content(0, frozenset(), inside=False)), draw(deletion(0, frozenset()))]
    runs = [_join(first if draw(st.booleans()) else first[::-1])]
    if draw(st.sampled_from([False] * 15 + [True])):
        runs = [draw(content(0, frozenset(), inside=False))]  # maybe no cloze at all
    fence = draw(st.sampled_from([None, None, "plain", "plain-cloze", "python-cloze"]))
    lines = [runs[0].text]
    if fence == "plain":
        lines += ["```", "m = {'a': {'b': 1}}  # std::map", "```"]
    elif fence is not None:  # unhighlighted, a cloze reaches Anki as written; highlighted, it is split apart
        lines += ["```" if fence == "plain-cloze" else "```python", "x = {{c1::42}}", "```"]
        runs.append(Piece("", fence == "python-cloze", frozenset({1} if fence == "plain-cloze" else ())))
    if fence is not None and draw(st.booleans()):
        runs.append(draw(content(0, frozenset(), inside=False)))
        lines.append(runs[-1].text)
    extra = draw(st.sampled_from([None, None, None, "more", "{{c9::elsewhere}}"]))
    run = _join(runs)
    return "\n".join(lines), extra, run.wrong or not run.numbers or extra == "{{c9::elsewhere}}"


def _refusals(note: dict[str, Any], deck: Deck, render: FieldRenderer) -> list[str]:
    """What the build's stages (validate, render, lint) refuse in one note."""
    try:
        model = Note.model_validate(note)
    except ValidationError as exc:
        return [str(e["msg"]) for e in exc.errors()]
    rendering = render(model)
    if rendering.problems:
        return list(rendering.problems)
    return [message for message, level in check_note(model, rendering.fields, True) if level == "error"]


def _write_topic(data: Path, notes: list[dict[str, Any]]) -> None:
    """The notes as a topic file, every text as a literal block (| keeps it as written)."""
    lines = ["topic: Clozes", "notes:"]
    for note in notes:
        lines.append(f"  - id: {note['id']}")
        for key, value in note.items():
            if key == "id":
                continue
            if isinstance(value, str):
                lines.append(f"    {key}: |-")
                lines += [f"      {line}" if line else "" for line in value.split("\n")]
            else:
                lines.append(f"    {key}: {json.dumps(value)}")
    (data / "topics" / "05-clozes.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _check_cards_are_ankis(data: Path, work: Path, count: int) -> None:
    """Build, import into a fresh collection, and compare every note's cards with the cards
    Anki's own generation gives a note with the same fields; every card's front shows
    something, and a cloze card its cloze. `count`: how many notes 'n-*' the deck has."""
    result = build(data, work / "out")
    col = new_collection(work / "anki")
    try:
        log = import_apkg(col, next(p for p in result.written if p.suffix == ".apkg"))
        assert len(log.new) == result.note_count
        assert len(col.find_notes('"Id:n-*"')) == count
        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            packaged = sorted(card.ord for card in note.cards())
            fields = {name: note[name] for name in note.keys()}
            assert packaged == anki_ords(col, fields, note.note_type()), fields
            for card in note.cards():
                question = card.render_output().question_text
                assert "No cloze" not in question and re.sub(r"<[^>]+>|\s", "", question), (card.ord, question)
                assert "Text" not in fields or "[" in question, (card.ord, question)
        assert col.get_empty_cards().notes == []
    finally:
        col.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(notes=st.lists(cloze_note(), min_size=1, max_size=6))
def test_built_cloze_cards_are_ankis_and_only_anki_mistakes_are_refused(
        notes: list[tuple[str, str | None, bool]], tmp_path_factory: pytest.TempPathFactory) -> None:
    work = tmp_path_factory.mktemp("cloze")
    data = work / "data"
    shutil.copytree(FIXTURE, data)
    deck = Deck(data, "Mini", "mini", None, (), ())
    render = FieldRenderer(deck, None)
    accepted = []
    for i, (text, extra, wrong) in enumerate(notes):
        note = {"id": f"n-{i}", "kind": "cloze", "text": text, "advice": True, **({"extra": extra} if extra else {})}
        refused = _refusals(note, deck, render)
        assert bool(refused) == wrong, (text, extra, refused)
        if not refused:
            accepted.append(note)
    if accepted:
        _write_topic(data, accepted)
        _check_cards_are_ankis(data, work, len(accepted))


# --- named examples -------------------------------------------------------------------------

ACCEPTED = [
    "`{{c1::foo}}` is inline code",  # a cloze inside inline code
    "```\n{{c1::x = 1}}\n```",  # inside an unhighlighted fence
    "{{c1::a}} and $\\frac{1}{\\sqrt{x}}$",  # '}}' in math outside any cloze
    "$\\frac{a}{b}}$ then {{c1::a}}",
    "{{c1::a}} `std::vector` and `a[::2]`",  # '::' in code outside any cloze
    "{{c1::a}} and $a::b$",
    "$x = {{c1::2::number}}$",  # a hint in a cloze that is all inside math
    "{{c1::Rome}} is in {{c3::Italy}}",  # gaps in the numbers
    "{{c1::a {{c2::b}}}} nested",
    "{{c1::Paris::capital}}",
    "{{c1,2::shared}} and {{c1::one}}",
    "{{c1::$[0, n)$}} is half-open",
    "{{c2::$\\{1\\}$}} and {{c1::x}}",
    "{{c1::\\(\\frac{a}{b}\\)}}",
    "{{c1::a}}}} shows two braces",
]
REFUSED = [
    ("{{c0::42}}", "cloze c0 has the number 0"),
    ("{{c1::}} … {{c2::Romania}}", "cloze c1 is empty"),
    ("{{c1::$\\frac{a}{b}}$}}", "cloze c1 ends at a '}}' inside math"),
    ("{{c1::`std::vector`}}", "Anki takes the '::' inside code"),
    ("```python\nx = {{c1::42}}\n```", "cloze c1 disappears when rendered"),
]


def _build_one(mini_data: Path, tmp_path: Path, text: str) -> Any:
    _write_topic(mini_data, [{"id": "n-0", "kind": "cloze", "text": text, "advice": True}])
    return build(mini_data, tmp_path / "out")


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_as_anki_reads_it(text: str, mini_data: Path, tmp_path: Path) -> None:
    _write_topic(mini_data, [{"id": "n-0", "kind": "cloze", "text": text, "advice": True}])
    _check_cards_are_ankis(mini_data, tmp_path, 1)


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_refused_where_anki_gets_it_wrong(text: str, message: str, mini_data: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        _build_one(mini_data, tmp_path, text)
    assert any(message in p.message and p.note_id == "n-0" for p in caught.value.problems), caught.value


def test_several_numbers_warn_about_older_anki(mini_data: Path, tmp_path: Path) -> None:
    result = _build_one(mini_data, tmp_path, "{{c1,2::shared}} and {{c1::one}}")
    assert [w.note_id for w in result.warnings if "needs Anki 26.05 or later" in w.message] == ["n-0"]


def test_issue_example_c2_card_is_not_lost(anki_col: Any) -> None:
    """genanki's rule finds one card in '{{c1::}} … {{c2::Romania}}'; Anki finds two."""
    import genanki

    assert cloze.card_ords(["{{c1::}} … {{c2::Romania}}"]) == [0, 1]
    model = genanki.Model(1, "m", fields=[{"name": "Text"}], templates=[{"name": "c", "qfmt": "{{cloze:Text}}",
                                                                        "afmt": "{{cloze:Text}}"}],
                          model_type=genanki.Model.CLOZE)
    assert [c.ord for c in genanki.Note(model, ["{{c1::}} … {{c2::Romania}}"]).cards] == [0]


# --- §7: valid math is accepted -----------------------------------------------------------------

MATH_ACCEPTED = [
    "half-open $[0, n)$", "$(0, 1]$", "French $]a, b[$", "$[a, b[$ and $\\{x\\}$",
    "$f(x) = \\left\\{ \\begin{array}{ll} 1 & x > 0 \\\\[2pt] 0 & \\text{else} \\end{array} \\right.$",
    "$$\n\\begin{aligned} a &= b \\\\[4pt] c &= d \\end{aligned}\n$$",
    "$$\\begin{aligned} a &= b \\\\[4pt] c &= d \\end{aligned}$$",
    "\\[ \\begin{aligned} a &= b \\\\[-2pt] c &= d \\end{aligned} \\]",
    "\\( \\begin{matrix} 1 \\\\[1ex] 2 \\end{matrix} \\)",
    "$\\begin{cases} 1 \\\\[3mm] 0 \\end{cases}$",
    "$\\begin{pmatrix} a \\\\[4pt] b \\end{pmatrix}$ and $\\begin{gathered} x \\\\[4pt] y \\end{gathered}$",
]


@pytest.mark.parametrize("text", MATH_ACCEPTED)
def test_valid_math_builds(text: str, mini_data: Path, tmp_path: Path) -> None:
    _write_topic(mini_data, [{"id": "n-0", "front": "What is this?", "back": text, "advice": True},
                             {"id": "n-1", "kind": "cloze", "text": "{{c1::Math}}: " + text, "advice": True}])
    result = build(mini_data, tmp_path / "out")
    assert not [w for w in result.warnings if "unbalanced" in w.message]


def test_row_spacing_reaches_anki_verbatim(mini_data: Path, tmp_path: Path) -> None:
    tex = "\\begin{aligned} a &= b \\\\[4pt] c &= d \\end{aligned}"
    _write_topic(mini_data, [{"id": "n-0", "front": "Which?", "back": f"$${tex}$$", "advice": True}])
    _check_cards_are_ankis(mini_data, tmp_path, 1)
    col = new_collection(tmp_path / "anki2")
    try:
        import_apkg(col, tmp_path / "out" / "mini.apkg")
        (note_id,) = col.find_notes('"Id:n-0"')
        assert "\\[" + tex.replace("&", "&amp;") + "\\]" in col.get_note(note_id)["Back"]
    finally:
        col.close()


@pytest.mark.parametrize("tex", ["{" * 3000 + "x" + "}" * 3000, "x^{" * 3000 + "y" + "}" * 3000])
def test_deeply_nested_math_builds(tex: str, mini_data: Path, tmp_path: Path) -> None:
    """Brace nesting no formula has still builds (the phone-width estimate recursed into it)."""
    _write_topic(mini_data, [{"id": "n-0", "front": "Which?", "back": f"${tex}$", "advice": True},
                             {"id": "n-1", "kind": "cloze", "text": f"{{{{c1::a}}}} and $${tex}$$", "advice": True}])
    assert build(mini_data, tmp_path / "out").note_count == 6 + 2


@pytest.mark.parametrize("spacing", ["[4pt]", "[-2pt]", " [1ex]", "[3mm]"])
def test_row_spacing_is_no_width(spacing: str) -> None:
    """A row break's spacing is not part of the next row (generator.mathfit's phone-width rule)."""
    from generator.mathfit import formula_width_px

    rows = "\\begin{aligned} a &= b \\\\SPACING c + d + e &= f \\end{aligned}"
    assert formula_width_px(rows.replace("SPACING", spacing), True) == formula_width_px(rows.replace("SPACING", ""), True)


def test_half_open_intervals_in_many_notes(mini_data: Path, tmp_path: Path) -> None:
    notes = [{"id": f"n-{i}", "front": f"Is $x_{{{i}}} \\in [0, n)$ here?",
              "back": "Yes: $[0, n)$, $(0, 1]$, $\\left\\{ x \\right.$ [", "advice": True} for i in range(400)]
    _write_topic(mini_data, notes)
    result = build(mini_data, tmp_path / "out")
    assert result.note_count == 6 + 400


@pytest.mark.parametrize("brackets", ["[", "{", "[" * 3 + "{" * 3])
def test_unbalanced_brackets_in_text_are_no_nesting(brackets: str, mini_data: Path, tmp_path: Path) -> None:
    """Brackets inside strings of every YAML style never count as nesting."""
    body = "topic: Brackets\nnotes:\n" + "".join(
        f"  - id: n-{i}\n    front: \"q {brackets} {i}\"\n    back: '{brackets}'\n    extra: x{brackets}\n"
        f"    advice: true\n" + (f"    tags: [t{i}]\n" if i % 2 else "")
        for i in range(300))
    (mini_data / "topics" / "05-clozes.yaml").write_text(body, encoding="utf-8")
    assert build(mini_data, tmp_path / "out").note_count == 6 + 300
