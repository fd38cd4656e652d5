"""Bad and hostile input: one clear line each, exit 1, no traceback, previous outputs untouched.

Each case breaks a freshly built copy of the mini deck in one way and states the message the
author must see. The table is the specification; add a row for every new kind of mistake.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner

from generator.cli import main

GOOD_NOTE = "  - id: ok\n    front: q\n    back: a\n    advice: true\n"


@dataclass(frozen=True)
class Case:
    """Write `content` to `file` (relative to data/), expect `message` at `where`."""

    name: str
    file: str
    content: str | bytes
    where: str
    message: str


def topic(body: str) -> str:
    return "topic: Bad\nnotes:\n" + body


def _mini(name: str, *edits: tuple[str, str]) -> str:
    """A file of the mini fixture with text replaced (each `old` must be there)."""
    folder = Path(__file__).parent / "fixtures" / "mini"
    text = ((folder / "topics" / name) if name != "deck.yaml" else folder / name).read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


def cloze_topic(text: str | tuple[str, str]) -> str:
    """A topic with one cloze note 'x' whose text (and extra) is written as a | block."""
    text, extra = text if isinstance(text, tuple) else (text, None)
    more = f"    extra: |\n      {extra}\n" if extra else ""
    return topic(f"  - id: x\n    kind: cloze\n    text: |\n      {text}\n{more}    advice: true\n")


CASES = [
    # YAML
    Case("syntax", "topics/09.yaml", "topic: [Bad\nnotes: x\n", "09.yaml:2", "YAML syntax error"),
    Case("tab", "topics/09.yaml", "topic: Bad\nnotes:\n\t- id: x\n", "09.yaml:3", "tab in indentation"),
    Case("not-utf8", "topics/09.yaml", b"topic: B\xe9d\n", "09.yaml:1", "not valid UTF-8"),
    Case("bom", "topics/09.yaml", b"\xef\xbb\xbf" + topic(GOOD_NOTE).encode(), "09.yaml:1", "byte-order mark"),
    Case("empty", "topics/09.yaml", "", "09.yaml:1", "file is empty (expected a mapping"),
    Case("scalar", "topics/09.yaml", "just text\n", "09.yaml:1", "top level is a str"),
    Case("list", "topics/09.yaml", "- a\n- b\n", "09.yaml:1", "top level is a list"),
    Case("duplicate-key", "topics/09.yaml", topic(GOOD_NOTE) + "topic: Again\n", "09.yaml:7", "duplicate key 'topic'"),
    Case("billion-laughs", "topics/09.yaml",
         "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ntopic: B\nnotes: *c\n", "09.yaml:2", "aliases"),
    Case("oversized", "topics/09.yaml", "# " + "x" * (6 * 1024 * 1024) + "\n", "09.yaml:", "bytes (limit"),
    Case("deep-nesting", "topics/09.yaml", "topic: " + "[" * 300 + "]" * 300 + "\n", "09.yaml:1", "nested too deeply"),
    Case("python-tag", "topics/09.yaml", "topic: !!python/object/apply:os.system [ls]\n", "09.yaml:1", "unsupported YAML tag"),
    # Schema
    Case("unknown-key", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: a\n    soruces: []\n"),
         "09.yaml:6: note 'x'", "unknown field 'soruces' (did you mean 'sources'?"),
    Case("missing-field", "topics/09.yaml", topic("  - id: x\n    front: q\n"), "09.yaml:3: note 'x'", "needs 'back'"),
    Case("wrong-type", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: a\n    tags: mla\n"),
         "09.yaml:6: note 'x'", "field 'tags': Input should be a valid list"),
    Case("empty-string", "topics/09.yaml", topic("  - id: x\n    front: '   '\n    back: a\n"),
         "09.yaml:4: note 'x'", "field 'front': '   ' has the wrong form"),
    Case("dup-id-file", "topics/09.yaml", topic(GOOD_NOTE + GOOD_NOTE), "09.yaml:7: note 'ok'", "duplicate note id"),
    Case("dup-id-across", "topics/09.yaml", topic("  - id: a-basic\n    front: q\n    back: a\n    advice: true\n"),
         "09.yaml:3: note 'a-basic'", "duplicate note id (first used at"),
    Case("bad-id", "topics/09.yaml", topic("  - id: ../x\n    front: q\n    back: a\n"), "09.yaml:3", "field 'id'"),
    Case("unknown-kind", "topics/09.yaml", topic("  - id: x\n    kind: flip\n    front: q\n    back: a\n"),
         "09.yaml:4: note 'x'", "'flip' is not allowed (expected 'basic', 'reverse' or 'cloze')"),
    Case("cloze-without-deletion", "topics/09.yaml", topic("  - id: x\n    kind: cloze\n    text: no gaps\n"),
         "09.yaml:3: note 'x'", "cloze text has no deletion"),
    Case("unbalanced-math", "topics/09.yaml", topic("  - id: x\n    front: 'what is \\(x'\n    back: a\n    advice: true\n"),
         "09.yaml:3: note 'x'", "unbalanced math delimiters"),
    Case("unterminated-fence", "topics/09.yaml",
         topic("  - id: x\n    front: q\n    back: |\n      ```python\n      x = 1\n    advice: true\n"),
         "09.yaml:3: note 'x'", "unterminated code fence"),
    Case("yaml-ate-backslash", "topics/09.yaml", topic('  - id: x\n    front: "\\frac{a}{b}"\n    back: a\n    advice: true\n'),
         "09.yaml:4", "in double quotes YAML reads \\f as a form feed"),
    Case("no-sources", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: a\n"),
         "09.yaml:3: note 'x'", "fact card without sources"),
    Case("renders-empty", "topics/09.yaml", topic("  - id: x\n    front: '<span>\u200b</span>'\n    back: a\n    advice: true\n"),
         "09.yaml:3: note 'x'", "front renders empty"),
    Case("subdeck-in-topic", "topics/09.yaml", "topic: 'A::B'\nnotes:\n" + GOOD_NOTE, "09.yaml:1", "contains '::'"),
    # Paths
    Case("media-escape", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](../../etc/passwd)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "points outside data/"),
    Case("media-absolute", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](/etc/passwd)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "absolute path"),
    Case("media-remote", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](https://example.org/a.png)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "not a local file"),
    Case("media-missing", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](media/nope.png)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "not found"),
    Case("unknown-diagram", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](diagram:nope)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "unknown diagram 'diagram:nope'"),
    # --- issue 14 §1: identity changes Anki cannot apply (the fixture was built once: the lock knows it)
    Case("kind-reverse-to-basic", "topics/01-alpha.yaml", _mini("01-alpha.yaml", ("    kind: reverse\n", "")),
         "01-alpha.yaml:31: note 'a-rev'", "kind changed from reverse to basic under the same id; Anki skips"),
    Case("kind-cloze-to-basic", "topics/01-alpha.yaml",
         _mini("01-alpha.yaml", ("    kind: cloze\n    text: |\n      Adam: {{c1::2}} + {{c2::2}} + {{c3::12}} = 16 B\n",
                                 "    front: Adam?\n    back: 16 B\n")),
         "01-alpha.yaml:21: note 'a-cloze'", "kind changed from cloze to basic under the same id"),
    Case("kind-basic-to-reverse", "topics/02-beta.yaml", _mini("02-beta.yaml", ("  - id: b-image\n", "  - id: b-image\n    kind: reverse\n")),
         "02-beta.yaml:21: note 'b-image'", "kind changed from basic to reverse under the same id"),
    Case("namespace-changed", "deck.yaml", _mini("deck.yaml", ("namespace: mini", "namespace: mini-v2")),
         "deck.yaml:2", "namespace changed from 'mini' to 'mini-v2' since the last build; note GUIDs"),
    Case("ids-swapped", "topics/02-beta.yaml",
         _mini("02-beta.yaml", ("id: b-table", "id: TMP"), ("id: b-image", "id: b-table"), ("id: TMP", "id: b-image")),
         "02-beta.yaml:3: note 'b-image'", "now asks what note 'b-table' asked in the last build"),
    Case("id-moved-to-new-question", "topics/01-alpha.yaml",
         _mini("01-alpha.yaml", ("front: MHA\n", "front: GQA\n")) + "  - id: a-mha\n    kind: reverse\n    front: MHA\n"
         "    back: Multi-head attention\n    advice: true\n",
         "01-alpha.yaml:31: note 'a-rev'", "now asks what note 'a-mha' asked in the last build"),
    Case("id-took-another-question", "topics/01-alpha.yaml",
         _mini("01-alpha.yaml", ("front: MHA\n", "front: |\n      What does the dot look like?\n")),
         "01-alpha.yaml:31: note 'a-rev'", "now asks what note 'b-image' asked"),
    Case("cloze-renumbered", "topics/01-alpha.yaml", _mini("01-alpha.yaml", ("{{c2::2}} + {{c3::12}}", "2 + {{c2::12}}")),
         "01-alpha.yaml:21: note 'a-cloze'", "cloze c2 now hides what c3 hid in the last build; Anki keeps reviews"),
    Case("topic-case-only", "topics/09.yaml", "topic: alpha\nnotes:\n" + GOOD_NOTE,
         "09.yaml:1", "topic 'alpha' and topic 'Alpha' (01-alpha.yaml) differ only in letter case"),
    Case("topic-case-non-ascii", "topics/09.yaml", "# Beta again\ntopic: 'BETA 二'\nnotes:\n" + GOOD_NOTE,
         "09.yaml:2", "topic 'BETA 二' and topic 'Beta 二' (02-beta.yaml) differ only in letter case"),
    Case("topic-trailing-space", "topics/09.yaml", "topic: 'Alpha '\nnotes:\n" + GOOD_NOTE,
         "09.yaml:1", "or surrounding spaces; Anki takes them for one deck name"),
    # --- issue 14 §3: text the author wrote never silently changes (YAML reads what the line does not show)
    *[Case(f"escape-{name}", "topics/09.yaml", topic(f'  - id: x\n    front: q\n    back: "{value}"\n    advice: true\n'),
           "09.yaml:5", f"in double quotes YAML reads {shown} as") for name, value, shown in [
        ("newline", "$a \\neq b$", "\\n"), ("tab", "$\\theta$", "\\t"), ("times", "$x \\times y$", "\\t"),
        ("cr", "\\rho", "\\r"), ("vtab", "$\\vec v$", "\\v"), ("hex", "A is \\x41", "\\x41"),
        ("unicode", "caf\\u00e9", "\\u00e9"), ("nel", "$\\Nu$", "\\N"), ("nbsp", "a\\_b", "\\_"),
        ("ls", "$\\Lambda$", "\\L"), ("ps", "$\\Pi$", "\\P"), ("esc", "$\\epsilon$", "\\e"),
        ("null", "\\0", "\\0"), ("slash", "a\\/b", "\\/"), ("space", "a\\ b", "\\ "), ("bell", "$\\alpha$", "\\a")]],
    Case("escape-second-line", "topics/09.yaml", topic('  - id: x\n    front: q\n    back: "first\n      $\\nabla f$"\n    advice: true\n'),
         "09.yaml:6", "YAML reads \\n as a line break"),
    Case("escape-unknown", "topics/09.yaml", topic('  - id: x\n    front: q\n    back: "$\\sigma$"\n    advice: true\n'),
         "09.yaml:5", "unknown escape character (in double quotes a backslash starts a YAML escape: use single quotes"),
    Case("escape-bad-hex", "topics/09.yaml", topic('  - id: x\n    front: q\n    back: "$\\xi$"\n    advice: true\n'),
         "09.yaml:5", "hexdecimal number (in double quotes \\x, \\u and \\U start a YAML escape: use single quotes"),
    Case("escape-in-deck", "deck.yaml", 'name: Mini\nnamespace: mini\ndescription: "see \\url"\n',
         "deck.yaml:3", "\\u and \\U start a YAML escape"),
    # the second break is reported at the line VS Code shows (it breaks lines at CR, not at the others)
    *[Case(f"invisible-{name}", "topics/09.yaml", topic(f"  - id: x{char}y\n    front: q\n    back: a{char}b\n    advice: true\n"),
           "09.yaml:6" if name == "cr" else "09.yaml:5", f"{what} as a line break" if name == "cr" else f"invisible line break {what}")
      for name, char, what in [("ls", "\u2028", "LINE SEPARATOR (U+2028)"), ("ps", "\u2029", "PARAGRAPH SEPARATOR (U+2029)"),
                               ("nel", "\x85", "NEL (U+0085)"), ("cr", "\r", "lone carriage return (CR)")]],
    Case("invisible-in-comment", "topics/09.yaml", "# a comment\u2028id: evil\n" + topic(GOOD_NOTE), "09.yaml:1",
         "invisible line break LINE SEPARATOR (U+2028)"),
    Case("comment-cuts-value", "topics/09.yaml", topic("  - id: x\n    front: Is C# faster than F #1?\n    back: a\n    advice: true\n"),
         "09.yaml:4", "YAML reads '#1?' as a comment and drops it; quote the value"),
    Case("comment-cuts-words", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: use the # key\n    advice: true\n"),
         "09.yaml:5", "YAML reads '# key' as a comment"),
    Case("comment-cuts-continuation", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: one\n      two #3\n    advice: true\n"),
         "09.yaml:6", "YAML reads '#3' as a comment"),
    Case("colon-in-value", "topics/09.yaml", topic("  - id: x\n    front: key: value: more\n    back: a\n    advice: true\n"),
         "09.yaml:4", "mapping values are not allowed in this context (': ' inside an unquoted value: quote the value"),
    Case("dash-after-key", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: - a\n    advice: true\n"),
         "09.yaml:5", "start the list on the next line, or quote the value"),
    Case("text-after-quote", "topics/09.yaml", topic('  - id: x\n    front: "Why" is it?\n    back: a\n    advice: true\n'),
         "09.yaml:", "quote the whole value or use a | block"),
    Case("block-indicator-text", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: | text\n    advice: true\n"),
         "09.yaml:5", "after | or > the text starts on the next line"),
    Case("alias-star", "topics/09.yaml", topic("  - id: x\n    front: '*bold* q'\n    back: *bold* a\n    advice: true\n"),
         "09.yaml:5", "is a YAML alias: quote the value"),
    Case("anchor-drops-text", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: &nbsp; a\n    advice: true\n"),
         "09.yaml:5", "YAML anchor"),
    Case("anchor-plain", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: &x a\n    advice: true\n"),
         "09.yaml:5", "'&x' before a value is a YAML anchor and is dropped from the text: quote the value"),
    Case("folded-list", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: steps\n      - one\n      - two\n    advice: true\n"),
         "09.yaml:6", "YAML joins the lines of a value written without | , so '- one' on its own line"),
    Case("folded-paragraphs", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: 'one\n\n      two'\n    advice: true\n"),
         "09.yaml:6", "a blank line (the paragraphs run together)"),
    Case("folded-heading", "topics/09.yaml", topic('  - id: x\n    front: q\n    back: "intro\n      ## Part"\n    advice: true\n'),
         "09.yaml:6", "'## Part' on its own line"),
    Case("typed-plain-scalar", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: 1.10\n    advice: true\n"),
         "09.yaml:5: note 'x'", "field 'back': Input should be a valid string (YAML reads this unquoted value as a number (1.1), not as text: quote it)"),
    Case("typed-plain-bool", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: yes\n    advice: true\n"),
         "09.yaml:5: note 'x'", "as true/false (True), not as text: quote it"),
    Case("typed-plain-date", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: 2024-01-01\n    advice: true\n"),
         "09.yaml:5: note 'x'", "as a date (2024-01-01)"),
    # --- issue 14 §4: media names as people really name files
    Case("image-not-parsed", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![lake](media/lake map.png)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "image 'media/lake map.png' not found"),
    Case("image-not-parsed-brackets", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![a](media/a [1].png)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "image 'media/a [1].png' not found"),
    Case("media-missing-decoded", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](<media/lake map.png>)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "image 'media/lake map.png' not found"),
    Case("media-missing-non-ascii", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](media/河流地图.png)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "image 'media/河流地图.png' not found"),
    Case("media-escape-encoded", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](%2e%2e/%2e%2e/etc/passwd)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "points outside data/"),
    Case("media-wrong-case", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](media/Dot.SVG)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "image 'media/Dot.SVG' not found (did you mean 'media/dot.svg'? names are case-sensitive)"),
    Case("media-backslash", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '![x](media\\dot.svg)'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "not found (use / between folders, not \\)"),
    Case("description-image-missing", "deck.yaml", "name: Mini\nnamespace: mini\ndescription: |\n  ![map](<media/lake map.png>)\n",
         "deck.yaml:3", "description: image 'media/lake map.png' not found"),
    Case("description-image-not-parsed", "deck.yaml", "name: Mini\nnamespace: mini\ndescription: '![map](media/lake map.png)'\n",
         "deck.yaml:3", "description: image 'media/lake map.png' not found"),
    Case("description-image-remote", "deck.yaml", "name: Mini\nnamespace: mini\ndescription: '<img src=\"https://x.org/a.png\">'\n",
         "deck.yaml:3", "is not a local file"),
    # --- issue 14 §5: raw HTML people use in Anki
    Case("html-img-remote", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: 'see <img src=\"https://x.org/a.png\">'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "image 'https://x.org/a.png' is not a local file"),
    Case("html-img-missing", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: 'see <img src=\"media/nope one.png\">'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "image 'media/nope one.png' not found"),
    Case("html-img-outside", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: '<img src=\"../../secret.png\">'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "points outside data/"),
    Case("html-img-no-src", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: 'a <img alt=\"x\">'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "<img> without src"),
    # --- issue 14 §2: cloze cards are exactly Anki's cards (generator/cloze.py reads them as
    # Anki's backend does); refused is only what Anki itself gets wrong, tests/test_cloze.py
    # checks that everything else builds with Anki's own cards
    *(Case(f"cloze-{name}", "topics/09.yaml", cloze_topic(text), "09.yaml:3: note 'x'", message) for name, text, message in [
        ("c0", "{{c0::42}} and {{c1::b}}", "cloze c0 has the number 0, which Anki makes no card for"),
        ("c0-only", "Answer: {{c0::42}}", "cloze c0 has the number 0"),
        ("c0-in-list", "{{c0,1::x}}", "cloze c0,1 has the number 0"),
        ("empty", "{{c1::}} then {{c2::Romania}}", "cloze c1 is empty: its card would ask for nothing"),
        ("blank", "{{c1::   }} then {{c2::Romania}}", "cloze c1 is empty"),
        ("hint-only", "{{c1::::a hint}} then {{c2::Romania}}", "cloze c1 is empty"),
        ("empty-markup", "{{c1::<b></b>}} then {{c2::Romania}}", "cloze c1 is empty"),
        ("empty-nbsp", "{{c1::&nbsp;}} then {{c2::Romania}}", "cloze c1 is empty"),
        ("renders-empty", "{{c1::[](https://example.org)}} then {{c2::Romania}}", "text (as rendered): cloze c1 is empty"),
        ("too-big", "{{c501::x}}", "Anki makes at most 500 cloze cards (c1 to c500)"),
        ("not-a-number", "{{c70000::x}} and {{c1::y}}", "'{{c70000::' is not a cloze for Anki"),
        ("no-number", "{{c::x}} and {{c1::y}}", "'{{c::' is not a cloze for Anki"),
        ("capital", "{{C1::x}} and {{c2::y}}", "'{{C1::' is not a cloze for Anki"),
        ("one-colon", "{{c1:x}} and {{c2::y}}", "'{{c1:' is not a cloze for Anki"),
        ("unclosed", "{{c1::x}} and {{c2::y", "cloze c2 is never closed (expected '}}'): Anki drops it"),
        ("unclosed-outer", "{{c1::a {{c2::b}}", "cloze c1 is never closed"),
        ("too-deep", "".join(f"{{{{c{i}::" for i in range(1, 12)) + "x" + "}}" * 11,
         "clozes nested more than 10 deep"),
        ("two-hints", "{{c1::a::h1 {{c2::b}} c::h2}}", "cloze c1 has 2 '::' hint separators"),
        ("braces-in-math", "{{c1::$\\frac{a}{b}}$}}", "cloze c1 ends at a '}}' inside math: Anki would end the cloze there"),
        ("braces-in-inline-math", "{{c1::a $b}}$ c", "cloze c1 ends at a '}}' inside math"),
        ("colons-in-math", "{{c1::$a::b$}}", "Anki takes the '::' inside math for the start of a hint"),
        ("colons-in-code", "{{c1::`std::vector`}}", "Anki takes the '::' inside code for the start of a hint"),
        ("colons-in-code-cloze", "`{{c1::a[::2]}}`", "Anki takes the '::' inside code"),
        ("braces-in-code", "{{c1::`d = {1: {2: 3}}`}}", "cloze c1 ends at a '}}' inside code"),
        ("starts-in-math", "$a {{c1::b$ c}}", "cloze c1 starts inside math and ends outside it"),
        ("triple-brace", "$x = {{c1::\\frac{a}{b}}}$", "cloze c1 ends at the first '}}' of '}}}'"),
        ("triple-brace-text", "{{c1::x^{2}}}", "cloze c1 ends at the first '}}' of '}}}'"),
        ("in-alt-text", "{{c1::a}} ![{{c2::dot}}](media/dot.svg)", "cloze c2 is inside an HTML tag"),
        ("in-extra", ("{{c1::a}}", "{{c2::b}}"), "extra: cloze c2 outside the text makes a card"),
        ("highlighted", "{{c1::a}} and\n      ```python\n      x = {{c2::42}}\n      ```",
         "cloze c2 disappears when rendered (in highlighted code"),
        ("highlighted-same-number", "{{c1::a}} and\n      ```python\n      x = {{c1::42}}\n      ```",
         "text: 1 cloze(s) lost in rendering (in highlighted code"),
    ]),
    Case("cloze-in-source-title", "topics/09.yaml",
         topic("  - id: x\n    kind: cloze\n    text: '{{c1::a}}'\n    sources:\n"
               "      - title: '{{c3::Paper}}'\n        arxiv: '2405.04434'\n"),
         "09.yaml:3: note 'x'", "sources: cloze c3 outside the text makes a card"),
    # --- issue 14 §7: valid math is accepted (tests/test_cloze.py); what is still refused
    Case("aligned-unclosed", "topics/09.yaml", topic("  - id: x\n    front: |\n      $$\\begin{aligned} a \\\\[4pt] b "
                                                     "\\end{aligned}\n    back: a\n    advice: true\n"),
         "09.yaml:3: note 'x'", "front: unbalanced math delimiters: odd number of '$$'"),
    Case("display-unclosed", "topics/09.yaml", topic("  - id: x\n    front: q\n    back: |\n      \\[ a \\\\[4pt] b\n"
                                                     "    advice: true\n"),
         "09.yaml:3: note 'x'", "back: unbalanced math delimiters: 1 '\\[' but 0 '\\]'"),
    Case("deep-block-nesting", "topics/09.yaml", "topic: B\nnotes:\n" + "".join("  " * i + "-\n" for i in range(1, 40)),
         "09.yaml:35", "nested too deeply (limit 32 levels)"),
    # --- issue 14 §6: never a traceback (diagrams, theme overrides, names that are not UTF-8)
    Case("diagram-template-missing", "diagrams.yaml", "diagrams:\n  - id: kv\n    template: nope.svg.j2\n",
         "diagrams.yaml:3", "diagram 'kv': template 'nope.svg.j2' not found in the theme's diagrams/ (expected one of:"),
    Case("diagram-param-undefined", "diagrams.yaml",
         "diagrams:\n  - id: kv\n    template: kv_heads.svg.j2\n    params:\n      title: T\n      variants: []\n",
         "diagrams.yaml:4", "diagram 'kv': 'query_heads' is undefined in diagrams/kv_heads.svg.j2 (add it under params"),
    Case("diagram-params-missing", "diagrams.yaml", "diagrams:\n  - id: a\n    template: kv_heads.svg.j2\n",
         "diagrams.yaml:2", "diagram 'a': 'query_heads' is undefined"),
    Case("diagram-raises", "diagrams.yaml",
         "diagrams:\n  - id: kv\n    template: kv_heads.svg.j2\n    params:\n      title: T\n      query_heads: 8\n"
         "      variants: [{name: X, kv_heads: 0, note: n}]\n",
         "diagrams.yaml:4", "diagram 'kv': diagrams/kv_heads.svg.j2 at line 17: template failed: ZeroDivisionError"),
    Case("diagram-param-wrong-type", "diagrams.yaml",
         "diagrams:\n  - id: kv\n    template: kv_heads.svg.j2\n    params: {title: T, query_heads: '8', variants: []}\n",
         "diagrams.yaml:4", "template failed: TypeError"),
    Case("diagram-param-id", "diagrams.yaml",
         "diagrams:\n  - id: kv\n    template: kv_heads.svg.j2\n    params: {id: other}\n",
         "diagrams.yaml:4", "'id' under params"),
    Case("theme-syntax", "../templates/fields/front.html.j2", "<div>\n{% if %}\n</div>\n",
         "templates/fields/front.html.j2:2", "Jinja syntax error: Expected an expression"),
    Case("theme-unknown-filter", "../templates/fields/extra.html.j2", "{{ html | nofilter }}\n",
         "templates/fields/extra.html.j2:1", "No filter named 'nofilter'"),
    Case("theme-undefined", "../templates/fields/front.html.j2", "{{ html }}{{ typo }}\n",
         "templates/fields/front.html.j2:1", "'typo' is undefined"),
    Case("theme-include-missing", "../templates/fields/sources.html.j2", "\n{% include 'gone.html.j2' %}\n",
         "templates/fields/sources.html.j2:2", "template 'gone.html.j2' not found"),
    Case("theme-css-not-utf8", "../templates/anki/style.css", b"a { color: red }\n\xff\n",
         "templates/anki/style.css:2", "theme file is not valid UTF-8 (byte 0xff"),
    Case("theme-card-field-typo", "../templates/anki/qa_front.html", '<div class="cs-q">\n{{Frnt}}\n</div>\n',
         "templates/anki/qa_front.html:2", "card template names the field 'Frnt', which note type 'cardsmith Q&A' "
         "does not have (did you mean 'Front'?"),
    Case("theme-card-no-field", "../templates/anki/qa_front.html", "<div>{{Tags}}</div>\n",
         "templates/anki/qa_front.html", "the question of 'cardsmith Q&A' shows none of the fields"),
    Case("theme-cloze-without-filter", "../templates/anki/cloze_front.html", "<div>{{Text}}</div>\n",
         "templates/anki/cloze_front.html", "the question of 'cardsmith Cloze' shows no {{cloze:Field}}"),
    Case("theme-diagram-syntax", "../templates/diagrams/kv_heads.svg.j2", "{% for %}\n",
         "templates/diagrams/kv_heads.svg.j2:1", "Jinja syntax error"),
    Case("theme-name-not-utf8", "../templates/anki/\udcff.css", "a {}\n",
         "templates/anki/\\xff.css", "name is not valid UTF-8"),
    Case("data-name-not-utf8", "media/lake-\udce9.png", b"\x89PNG\r\n",
         "media/lake-\\xe9.png", "name is not valid UTF-8"),
    Case("topic-name-not-utf8", "topics/03-\udcff.yaml", topic(GOOD_NOTE),
         "topics/03-\\xff.yaml", "name is not valid UTF-8"),
    Case("folder-name-not-utf8", "media/\udcfe/a.png", b"x", "media/\\xfe:", "name is not valid UTF-8"),
]


@pytest.fixture
def built(mini_data: Path, tmp_path: Path) -> tuple[Path, Path, Callable[[], dict[Path, bytes]]]:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--out", str(out)])
    assert result.exit_code == 0, result.output

    def snapshot() -> dict[Path, bytes]:
        files = list(out.rglob("*")) + [mini_data / "cardsmith.lock"]
        return {p: p.read_bytes() for p in files if p.is_file()}

    return mini_data, out, snapshot


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, built: tuple[Path, Path, Callable[[], dict[Path, bytes]]]) -> None:
    data, out, snapshot = built
    before = snapshot()
    target = data / case.file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(case.content if isinstance(case.content, bytes) else case.content.encode())
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    problems = lines[:-1]
    assert any(case.where in line and case.message in line for line in problems), lines
    assert all(len(line) < 400 for line in problems)
    assert lines[-1].endswith("nothing was written")
    assert snapshot() == before
    assert not [p for p in out.rglob("*.tmp")] + [p for p in data.rglob("*.tmp")]


def test_symlink_out_of_data_is_refused(built: tuple[Path, Path, Callable[[], dict[Path, bytes]]], tmp_path: Path) -> None:
    data, out, snapshot = built
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not yours")
    os.symlink(secret, data / "media" / "link.png")
    (data / "topics" / "09.yaml").write_text(topic("  - id: x\n    front: q\n    back: '![x](media/link.png)'\n    advice: true\n"))
    before = snapshot()
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 1 and "points outside data/" in result.output
    assert snapshot() == before


@pytest.mark.parametrize("where", ["data", "data/sub", "templates"])
def test_out_inside_sources_is_refused(where: str, mini_data: Path) -> None:
    from generator.templating import default_templates_dir

    target = {"data": mini_data, "data/sub": mini_data / "sub", "templates": default_templates_dir()}[where]
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--out", str(target)])
    assert result.exit_code == 1 and "choose another" in result.output
    assert not (mini_data / "sub").exists()


# --- issue 14 §6 (lock and clock, part of §1's work): a lock no build wrote, a bad SOURCE_DATE_EPOCH

def _lock(mod: object = 1_700_000_000, **note: object) -> str:
    """A lock as `cardsmith build` lays it out, with one note; `note` overrides its fields."""
    import json

    entry = {"hash": "x", "mod": mod, "deck": "D", **note}
    return json.dumps({"version": 1, "notetypes": {}, "notes": {"a-basic": entry}}, indent=1) + "\n"


LOCK_CASES = [  # (name, lock content, where, message); the note's fields are on lines 6-8
    ("json-syntax", '{\n "version": 1,\n', "cardsmith.lock:3", "lock file is damaged: Expecting property name"),
    ("not-utf8", b'{"version": 1\xff}', "cardsmith.lock", "lock file is damaged: not valid UTF-8"),
    ("top-level-list", "[]\n", "cardsmith.lock", "lock file is damaged: top level is a list (expected an object)"),
    ("version", _lock().replace('"version": 1', '"version": 2'), "cardsmith.lock:2", "version 2 (expected 1)"),
    ("mod-negative", _lock(-5), "cardsmith.lock:7: note 'a-basic'", "'mod' is -5, out of range (expected seconds since 1970"),
    ("mod-too-large", _lock(10**30), "cardsmith.lock:7: note 'a-basic'", "'mod' is 1000000000000000000000000000000, out of range"),
    ("mod-string", _lock("soon"), "cardsmith.lock:7: note 'a-basic'", "'mod' is \"soon\" (expected an integer)"),
    ("mod-float", _lock(1.5), "cardsmith.lock:7: note 'a-basic'", "'mod' is 1.5 (expected an integer)"),
    ("mod-bool", _lock(True), "cardsmith.lock:7: note 'a-basic'", "'mod' is true (expected an integer)"),
    ("mod-missing", _lock().replace('  "mod": 1700000000,\n', ""), "cardsmith.lock:5: note 'a-basic'", "'mod' is missing"),
    ("hash-number", _lock(hash=5), "cardsmith.lock:6: note 'a-basic'", "'hash' is 5 (expected a string)"),
    ("deck-null", _lock(deck=None), "cardsmith.lock:8: note 'a-basic'", "'deck' is null (expected a string)"),
    ("clozes-list", _lock(clozes=[1]), "cardsmith.lock:9: note 'a-basic'", "'clozes' is [1] (expected an object)"),
    ("clozes-key", _lock(clozes={"c1": "ab"}), "cardsmith.lock:9: note 'a-basic'",
     "'clozes' is {\"c1\": \"ab\"} (expected cloze numbers and hashes)"),
    ("note-not-object", _lock().replace('"a-basic": {', '"a-basic": 3, "x": {'), "cardsmith.lock:5: note 'a-basic'",
     "entry is 3 (expected an object)"),
    ("notes-list", _lock().replace('"notes": {', '"notes": [{').replace("}\n}", "}]\n}"), "cardsmith.lock:4",
     "'notes' is [{\"a-basic\": {\"hash\": \"x\", \"mod\": 170... (expected an object)"),
    ("huge-number", _lock().replace("1700000000", "9" * 5000), "cardsmith.lock", "lock file is damaged: "),  # 3.11+: int limit
    ("deep-nesting", "[" * 100_000 + "]" * 100_000, "cardsmith.lock", "lock file is damaged: nested too deeply"),
    ("notetype-mod", _lock().replace('"notetypes": {}', '"notetypes": {"basic": {"hash": "t", "mod": -1}}'),
     "cardsmith.lock:3", "note type 'basic': 'mod' is -1, out of range"),
    ("schema-numbers", _lock().replace('"notetypes": {}', '"notetypes": {"basic": {"hash": "t", "mod": 1, "schema": [1]}}'),
     "cardsmith.lock:3", "note type 'basic': schema [1] (expected strings)"),
]


@pytest.mark.parametrize("case", LOCK_CASES, ids=[c[0] for c in LOCK_CASES])
def test_bad_lock(case: tuple[str, str | bytes, str, str], built: tuple[Path, Path, Callable[[], dict[Path, bytes]]]) -> None:
    name, content, where, message = case
    data, out, snapshot = built
    lock = data / "cardsmith.lock"
    lock.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = snapshot()
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)])
    _assert_refused(result, where, message)
    assert snapshot() == before
    assert not [p for p in out.rglob("*.tmp")] + [p for p in data.rglob("*.tmp")]


def _assert_refused(result: Any, where: str, message: str) -> None:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit))
    assert len(lines) == 2 and where in lines[0] and message in lines[0], lines
    assert len(lines[0]) < 400 and lines[-1].endswith("nothing was written")


@pytest.mark.parametrize("kind, message", [
    ("folder", "lock file is a folder (expected the file `cardsmith build` writes)"),
    ("dangling-symlink", "lock file is a symlink to nothing; remove it, or restore the file from git"),
])
def test_lock_is_not_a_file(kind: str, message: str, built: tuple[Path, Path, Callable[[], dict[Path, bytes]]]) -> None:
    data, out, snapshot = built
    lock = data / "cardsmith.lock"
    lock.unlink()
    if kind == "folder":
        lock.mkdir()
    else:
        lock.symlink_to(data / "nowhere.lock")
    before = snapshot()
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)])
    _assert_refused(result, "cardsmith.lock: ", message)
    assert snapshot() == before and (lock.is_dir() if kind == "folder" else lock.is_symlink())


@pytest.mark.parametrize("value, message", [
    ("-1", "-1 is negative (expected seconds since 1970, 0 to 253402300799); unset it or fix it"),
    ("253402300800", "253402300800 is too large: after the year 9999"),
    ("99999999999999999999999999", "99999999999999999999999999 is too large"),
    ("9" * 5000, "9999999999999999999999999999999999999... is too large"),
    ("-" + "9" * 5000, "-999999999999999999999999999999999999... is negative"),
    ("1.7e9", "'1.7e9' is not an integer"),
    (" 17", "' 17' is not an integer"),
    ("1_700_000_000", "'1_700_000_000' is not an integer"),
])
def test_bad_source_date_epoch(value: str, message: str, built: tuple[Path, Path, Callable[[], dict[Path, bytes]]],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    data, out, snapshot = built
    (data / "topics" / "09.yaml").write_text(topic(GOOD_NOTE))  # something to build: not skipped as unchanged
    before = snapshot()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out)])
    _assert_refused(result, "SOURCE_DATE_EPOCH: ", message)
    assert snapshot() == before
