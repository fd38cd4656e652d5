"""Bad and hostile input: one clear line each, exit 1, no traceback, previous outputs untouched.

Each case breaks a freshly built copy of the mini deck in one way and states the message the
author must see. The table is the specification; add a row for every new kind of mistake.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

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
    Case("cloze-braces-in-math", "topics/09.yaml",
         topic("  - id: x\n    kind: cloze\n    text: '{{c1::a}} and $\\frac{a}{b}}$'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "inside math in a cloze"),
    Case("cloze-colons-in-code", "topics/09.yaml",
         topic("  - id: x\n    kind: cloze\n    text: '{{c1::a}} `std::vector`'\n    advice: true\n"),
         "09.yaml:3: note 'x'", "inside code in a cloze"),
    Case("unbalanced-math", "topics/09.yaml", topic("  - id: x\n    front: 'what is \\(x'\n    back: a\n    advice: true\n"),
         "09.yaml:3: note 'x'", "unbalanced math delimiters"),
    Case("unterminated-fence", "topics/09.yaml",
         topic("  - id: x\n    front: q\n    back: |\n      ```python\n      x = 1\n    advice: true\n"),
         "09.yaml:3: note 'x'", "unterminated code fence"),
    Case("yaml-ate-backslash", "topics/09.yaml", topic('  - id: x\n    front: "\\frac{a}{b}"\n    back: a\n    advice: true\n'),
         "09.yaml:3: note 'x'", "control character U+000C"),
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
