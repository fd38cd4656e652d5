"""Issue 14 §3–§5: what the author wrote reaches the card as written (YAML, media names, raw
HTML); what cannot is a located problem. The refusals are rows of tests/test_bad_input.py;
this file checks that valid writing still passes and that what passes arrives in Anki."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.errors import DataError
from generator.loader import editor_line_count, invisible_breaks, load_yaml


def _load(text: str) -> object:
    return load_yaml(Path("t.yaml"), text.encode()).data


# --- §3: valid YAML keeps passing -------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ('a: "$\\\\frac{a}{b}$"\n', "$\\frac{a}{b}$"),              # \\ is a backslash, as written
    ('a: "say \\"hi\\""\n', 'say "hi"'),                       # \" is a quote
    ("a: '$\\theta \\neq x$'\n", "$\\theta \\neq x$"),          # single quotes keep backslashes
    ("a: |\n  $\\theta \\neq x$\n", "$\\theta \\neq x$\n"),     # so do blocks
    ('a: "one \\\n  two"\n', "one two"),                        # an escaped line break joins, as meant
    ("a: C# and F#\n", "C# and F#"),                            # '#' not after a space is text
    ("a: foo  # a comment\n", "foo"),                           # a comment that looks like one
    ("a: AT&T & co\n", "AT&T & co"),                            # '&' inside a value is text
    ("a: one\n  two\n", "one two"),                             # plain folding of prose is harmless
    ("a: >\n  one # two\n", "one # two\n"),                     # '#' inside a block is text
    ("a: x\r\nb: y\r\n", None),                                 # CRLF files are fine
])
def test_valid_yaml_is_read_as_written(text: str, value: str | None) -> None:
    data = _load(text)
    assert isinstance(data, dict)
    if value is not None:
        assert data["a"] == value


def test_editor_lines_ignore_invisible_breaks_but_count_cr() -> None:
    text = "a\u2028b\nc\rd\r\ne\u2029f\x85g\n"
    assert editor_line_count(text, text.index("g")) == 4
    assert [line for line, _ in invisible_breaks(text)] == [1, 2, 4]


def test_every_escape_in_one_scalar_is_named_once() -> None:
    with pytest.raises(DataError) as info:
        _load('a: "$\\theta + \\theta \\neq \\x41$"\n')
    (problem,) = info.value.problems
    assert problem.line == 1
    assert "\\t as a tab, \\n as a line break, \\x41 as the character U+0041" in problem.message


def test_all_invisible_breaks_of_a_file_are_reported_together() -> None:
    with pytest.raises(DataError) as info:
        _load("a: 1\u2028\nb: 2\nc: 3\u2029\n")
    assert [p.line for p in info.value.problems] == [1, 3]


def test_real_data_has_none_of_these() -> None:
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "data").rglob("*.yaml")):
        load_yaml(path)


# --- §4, §5: media and raw HTML reach Anki ------------------------------------------------------

def _png(tag: bytes) -> bytes:
    """A file that starts like a PNG (the build checks the signature; Anki stores bytes)."""
    return b"\x89PNG\r\n\x1a\n" + tag


MEDIA = {  # file name under data/media → how a note refers to it
    "lake map.png": ["![a](<media/lake map.png>)", "![b](media/lake%20map.png)"],
    "河流地图.png": ["![c](media/河流地图.png)", '<img src="media/河流地图.png" alt="raw">'],
    "a (1) & b.png": ["![d](<media/a (1) & b.png>)", "<img src='media/a (1) &amp; b.png'>"],
    "100%.png": ["![e](media/100%.png)"],
    "café.png": ["![f](media/cafe\u0301.png)"],  # NFD in the text, NFC on disk
}
RTL = "مرحبا بالعالم"


@pytest.fixture
def authored(mini_data: Path) -> Path:
    media = mini_data / "media"
    for index, name in enumerate(MEDIA):
        (media / name).write_bytes(_png(bytes([index]) * 40))
    refs = "\n".join(f"      {ref}" for refs in MEDIA.values() for ref in refs)
    (mini_data / "topics" / "09-authoring.yaml").write_text(
        "topic: Authoring\nnotes:\n  - id: media-names\n    front: |\n      Where is the lake?\n"
        f"    back: |\n{refs}\n    advice: true\n"
        "  - id: ruby\n    front: |\n      <ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>字 <bdi>אבג</bdi>?\n"
        f"    back: |\n      <p dir=\"rtl\" lang=\"ar\">{RTL}</p>\n    advice: true\n", encoding="utf-8")
    deck = mini_data / "deck.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace(
        "description: |\n", "description: |\n  ![map](<media/lake map.png>)\n"), encoding="utf-8")
    return mini_data


def test_media_and_raw_html_arrive_in_anki(authored: Path, tmp_path: Path) -> None:
    from anki_helpers import import_apkg, new_collection

    from generator.build import build

    result = build(authored, tmp_path / "out")
    apkg = next(p for p in result.written if p.suffix == ".apkg")
    col = new_collection(tmp_path / "anki")
    import_apkg(col, apkg)
    media_dir = Path(col.media.dir())
    (media_note,) = col.find_notes('"Id:media-names"')
    back = col.get_note(media_note)["Back"]
    names = re.findall(r'<img src="([^"]+)"', back)
    assert len(names) == sum(map(len, MEDIA.values()))
    assert len(set(names)) == len(MEDIA)  # each file once, whichever way it was referred to
    for name in names:
        assert (media_dir / name).is_file(), name
        assert len(name.encode()) <= 120 and re.fullmatch(r"[A-Za-z0-9-]+-[0-9a-f]{10}\.png", name)
    assert "![" not in back and "&lt;img" not in back
    assert col.media.check().missing == []
    (ruby_note,) = col.find_notes('"Id:ruby"')
    note = col.get_note(ruby_note)
    assert "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>" in note["Front"] and "<bdi>אבג</bdi>" in note["Front"]
    assert f'<p dir="rtl" lang="ar">{RTL}</p>' in note["Back"]
    assert "&lt;" not in note["Front"] + note["Back"]
    card = col.get_card(col.find_cards(f"nid:{ruby_note}")[0]).render_output()
    assert "<rt>kan</rt>" in card.answer_text
    deck_desc = col.decks.by_name(col.decks.name(col.decks.id_for_name("Mini 测试") or 0))
    assert deck_desc is not None and re.search(r'<img src="mini-lake-map-[0-9a-f]{10}\.png"', deck_desc["desc"])
    col.close()


def test_rtl_paragraphs_take_their_direction_from_their_text() -> None:
    from generator.templating import default_templates_dir

    css = re.sub(r"/\*.*?\*/", "", (default_templates_dir() / "anki" / "style.css").read_text(encoding="utf-8"), flags=re.S)
    rule = re.search(r"([^{}]*)\{ unicode-bidi: plaintext; text-align: start; \}", css)
    assert rule is not None
    selectors = {s.strip() for s in rule.group(1).split(",")}
    assert {".cs-q", ".cs-a", ".cs-cloze", ".cs-extra", ".card p", ".card li", ".card td"} <= selectors
    assert not any("pre" in s or "code" in s for s in selectors)  # code stays left to right


# --- §4: names within Anki's limits ----------------------------------------------------------

def test_media_names_keep_the_hash_within_ankis_limit() -> None:
    from generator.cards import MAX_MEDIA_NAME_BYTES, media_name
    from generator.render import content_hash

    long_ns = "n" * 100
    a, b = b"\x89PNG\r\n\x1a\none", b"\x89PNG\r\n\x1a\ntwo"
    stem = "a very long file name " * 10
    names = {media_name(long_ns, stem, data, ".png") for data in (a, b)}
    assert len(names) == 2
    for data in (a, b):
        name = media_name(long_ns, stem, data, ".PNG")
        assert len(name.encode()) <= MAX_MEDIA_NAME_BYTES
        assert name.endswith(f"-{content_hash(data)}.png")
    assert media_name("mini", "河流地图", a, ".png") == f"mini-image-{content_hash(a)}.png"
    assert media_name("mini", "x", a, ".p:ng") == f"mini-x-{content_hash(a)}"  # no suffix Anki would strip
    assert media_name("mini", "dot", a, ".svg") == f"mini-dot-{content_hash(a)}.svg"  # unchanged for plain names


@pytest.mark.parametrize("suffix, data, ok", [
    (".png", b"\x89PNG\r\n\x1a\n...", True), (".jpg", b"\xff\xd8\xff\xe0", True), (".JPEG", b"\xff\xd8\xff", True),
    (".gif", b"GIF89a..", True), (".webp", b"RIFF\0\0\0\0WEBPVP8 ", True), (".svg", b"<?xml?>\n<svg/>", True),
    (".png", b"\xff\xd8\xff\xe0", False), (".jpg", b"\x89PNG\r\n\x1a\n", False), (".svg", b"\x89PNG", False),
    (".webp", b"RIFF\0\0\0\0WAVE", False), (".txt", b"hello", False), (".pdf", b"%PDF-1.4", False),
])
def test_image_content_matches_its_name(suffix: str, data: bytes, ok: bool) -> None:
    from generator.cards import image_type_problem

    assert (image_type_problem(f"media/x{suffix}", data, suffix) is None) == ok


# --- §4, §5: what the build changes is a located warning, never silent --------------------------

WARNED = [  # (name, back as a | block, the warning, what the card shows instead)
    ("font", "<font color=red>red</font> text", "HTML tag <font> is not allowed on cards and is removed", "red text"),
    ("script", "<script>alert(1)</script> after", "HTML tag <script> is not allowed on cards", "after"),
    ("iframe", "a <iframe src=x></iframe> b", "HTML tag <iframe> is not allowed", "a  b"),
    ("center", "<div>\n<center>mid</center>\n</div>", "HTML tag <center> is not allowed", "mid"),
    ("style", '<span style="color:red">red</span>', "attribute 'style' on <span> is not allowed on cards and is removed "
     "(allowed: class, dir, lang, title)", "<span>red</span>"),
    ("handler", '<b onclick="x()">b</b>', "attribute 'onclick' on <b> is not allowed", "<b>b</b>"),
    ("js-link", '<a href="javascript:alert(1)">x</a>', "link 'javascript:alert(1)' is removed (cards link only to http and https)", "x</a>"),
    ("unparsed-image", "![lake](media/lake map.png)", "'![lake](media/lake map.png)' is not Markdown for an image (a space or "
     "bracket in the path): shown as the image, but write ![lake](<media/lake map.png>)", '<img src="mini-lake-map-'),
    ("unparsed-image-parens", "see ![v2](media/a (1) & b.png)", "is not Markdown for an image", '<img src="mini-a-1-b-'),
    ("wrong-type", "![x](media/photo.jpg)", "image 'media/photo.jpg' is named .jpg but its content is not JPG", '<img src="mini-photo-'),
    ("not-an-image", "![x](media/notes.txt)", "'media/notes.txt' is not an image file Anki shows", '<img src="mini-notes-'),
]


@pytest.mark.parametrize("name, back, message, shown", WARNED, ids=[w[0] for w in WARNED])
def test_what_the_build_drops_or_guesses_is_a_located_warning(name: str, back: str, message: str, shown: str,
                                                             mini_data: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.build import prepare
    from generator.cli import main

    media = mini_data / "media"
    (media / "lake map.png").write_bytes(_png(b"lake"))
    (media / "a (1) & b.png").write_bytes(_png(b"ab"))
    (media / "photo.jpg").write_bytes(_png(b"photo"))
    (media / "notes.txt").write_bytes(b"just text")
    body = "\n".join("      " + line for line in back.splitlines())
    (mini_data / "topics" / "09.yaml").write_text(
        f"topic: Warned\nnotes:\n  - id: x\n    front: q\n    back: |\n{body}\n    advice: true\n", encoding="utf-8")
    args = ["build", "--data", str(mini_data), "--out", str(tmp_path / "out")]
    for attempt in ("first build", "unchanged rebuild", "rebuild with the other notes from the cache"):
        if attempt.startswith("rebuild with"):
            with (mini_data / "topics" / "01-alpha.yaml").open("a", encoding="utf-8") as other:
                other.write("# touched\n")
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert any("09.yaml:3: warning: note 'x': " in line and message in line
                   for line in result.output.splitlines()), (attempt, result.output)
    (back_html,) = [n.fields[1] for n in prepare(mini_data).notes if n.id == "x"]
    assert shown in back_html and "&lt;" not in back_html and "![" not in back_html


def test_a_misnamed_image_in_the_description_is_a_warning(mini_data: Path, tmp_path: Path) -> None:
    from generator.build import prepare

    (mini_data / "media" / "map.png").write_bytes(b"GIF89a....")
    deck = mini_data / "deck.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("description: |\n", "description: |\n  ![m](media/map.png)\n"),
                    encoding="utf-8")
    warnings = [str(w) for w in prepare(mini_data).warnings]
    assert any("deck.yaml:3: warning: description: image 'media/map.png' is named .png but its content is not PNG" in w
               for w in warnings), warnings


def test_refused_markup_is_not_text_the_author_meant() -> None:
    from generator.render import refused_markup

    assert refused_markup("List<int> and <T> and <think>") == []
    assert refused_markup('<ruby lang="ja">漢<rt>kan</rt></ruby><bdi dir="rtl">x</bdi><img src="a.png" width="9">') == []
    assert refused_markup('<a href="https://x.org" title="t">x</a> <a href="#top">y</a>') == []


def test_exercise_files_hold_test_data_with_escapes_on_purpose() -> None:
    text = b'cases:\n  - args: {path: "a\\tb\\x00\xe2\x80\xa8"}\n    expected: "x\\n"\n'
    assert load_yaml(Path("e.yaml"), text, card_text=False).data["cases"][0] == {
        "args": {"path": "a\tb\x00\u2028"}, "expected": "x\n"}
    with pytest.raises(DataError):
        load_yaml(Path("e.yaml"), text)

