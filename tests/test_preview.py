"""`cardsmith preview`: every card as the Anki backend renders it, in a self-contained gallery."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import venv
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from anki_helpers import import_apkg, new_collection
from generator.build import build
from generator.cli import main
from generator.errors import DataError, UsageError
from generator.mathjax import INSTALL_HINT
from generator.notetypes import load_note_types
from generator.preview import INDEX, MANIFEST, PHONE, PreviewResult, page_name, preview, write_preview
from generator.templating import default_templates_dir


class _Frames(HTMLParser):
    """The gallery's card sides (srcdoc unescaped, as the browser sees it), its page links and
    what a page loads."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.frames: list[dict[str, str]] = []
        self.loads: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "iframe" and "srcdoc" in found:  # the side's document, in the page's own HTML
            self.frames.append(found)
        if tag == "a" and "data-page" in found:
            self.links.append(found["href"])
        if tag in ("img", "script", "iframe", "source", "video", "audio") and "src" in found:
            self.loads.append(found["src"])
        if tag == "link":
            self.loads.append(found.get("href", ""))


def _frames(html: str) -> _Frames:
    parser = _Frames()
    parser.feed(html)
    return parser


def _pages(result: PreviewResult) -> list[str]:
    """The gallery's pages in order: index.html, page-2.html, …"""
    pages = []
    while page_name(len(pages) + 1) in result.files:
        pages.append(result.files[page_name(len(pages) + 1)].decode())
    return pages


def _anki_sides(data: Path, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(question, answer, css) of every card, straight from the backend (independent of preview)."""
    result = build(data, tmp_path / "out")
    col = new_collection(tmp_path / "anki")
    import_apkg(col, next(p for p in result.written if p.suffix == ".apkg"))
    outs = [col.get_card(cid).render_output() for cid in col.find_cards("")]
    col.close()
    return [(o.question_text, o.answer_text, o.css) for o in outs]


def test_gallery_holds_every_card_exactly_as_anki_renders_it(mini_data: Path, tmp_path: Path) -> None:
    result = preview(mini_data, page_cards=4)  # three pages
    pages = _pages(result)
    frames = [frame for page in pages for frame in _frames(page).frames]
    sides = _anki_sides(mini_data, tmp_path)
    assert len(pages) == 3 and len(result.cards) == len(sides) and len(frames) == 2 * len(sides)
    docs = [frame["srcdoc"] for frame in frames]
    for question, answer, css in sides:
        assert any(f"<div id=\"qa\">{question}</div>" in doc for doc in docs[0::2])
        assert any(f"<div id=\"qa\">{answer}</div>" in doc for doc in docs[1::2])
        css_file = next(name for name in result.files if name.startswith("card-"))
        assert result.files[css_file].decode() == css  # the very CSS Anki hands the webview
    for frame, card in zip(frames[0::2], result.cards):
        assert f'<html class="{PHONE.html_class}">' in frame["srcdoc"]
        assert f'<body class="card card{card.ordinal}">' in frame["srcdoc"]
    assert "Anki 26" in result.renderer and all("exact HTML and CSS Anki gets" in page for page in pages)
    assert all(frame["sandbox"] == "allow-same-origin" for frame in frames)  # no script runs inside a card


@pytest.mark.parametrize("which", ["mini", "real"])
def test_pages_hold_every_card_once_in_deck_order(which: str, mini_data: Path, real_data: Path) -> None:
    """Every side is an iframe in its page's HTML, so a page holds few cards; whole topics when they fit."""
    data, size = (mini_data, 7) if which == "mini" else (real_data, 25)
    result = preview(data, page_cards=size)
    pages = _pages(result)
    per_page = [[frame["title"] for frame in _frames(page).frames[0::2]] for page in pages]
    assert [title for page in per_page for title in page] == [
        f"{c.note_id} card{c.ordinal} front" for c in result.cards]
    assert all(0 < len(page) <= size for page in per_page) and len(pages) > 1
    if which == "mini":  # Alpha (6 cards) and Beta (4) do not fit on one page of 7: a page each
        assert [len(page) for page in per_page] == [6, 4]
    names = [page_name(n) for n in range(1, len(pages) + 1)]
    assert names[0] == INDEX and set(result.files) >= set(names)
    for n, page in enumerate(pages, 1):
        links = _frames(page).links
        assert links[:len(names)] == names  # every page links to every page, then to the next one
        assert links[len(names):] == names[n:n + 1]
        assert f"{len(result.cards)} cards rendered by" in page


def test_gallery_is_self_contained(mini_data: Path) -> None:
    result = preview(mini_data)
    page = result.files[INDEX].decode()
    parsed = _frames(page)
    inner = [url for frame in parsed.frames for url in _frames(frame["srcdoc"]).loads]
    assert all(url in result.files for url in parsed.loads) and any(url.endswith(".svg") for url in inner)
    for url in inner:
        assert url in result.files, f"{url} is not written beside index.html"
    for name, data in result.files.items():
        if name.endswith((".css", ".html")):
            assert b"@import" not in data and b"url(" not in data and b"@font-face" not in data, name


def test_filters_list_topics_and_tags(mini_data: Path) -> None:
    result = preview(mini_data)
    page = result.files[INDEX].decode()
    for card in result.cards:
        assert f'data-topic="{card.topic}"' in page
    assert '<option value="Alpha">' in page and '<option value="Beta 二">' in page
    assert '<option value="advice">' in page


@pytest.mark.parametrize("which", ["mini", "real"])
def test_builtin_renderer_matches_anki(which: str, mini_data: Path, real_data: Path) -> None:
    """Without the anki package the gallery fills the templates itself; it must agree with Anki."""
    data = mini_data if which == "mini" else real_data
    with_anki, without = preview(data, use_anki=True), preview(data, use_anki=False)
    assert [c.key for c in with_anki.cards] == [c.key for c in without.cards]
    for a, b in zip(with_anki.cards, without.cards):
        fields = ("question", "answer", "css", "topic", "tags")
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields], a.key
    assert "anki package is not installed" in without.files[INDEX].decode()


def test_preview_writes_nothing_into_data(mini_data: Path) -> None:
    before = {p: p.read_bytes() for p in mini_data.rglob("*") if p.is_file()}
    preview(mini_data)
    assert {p: p.read_bytes() for p in mini_data.rglob("*") if p.is_file()} == before


def test_write_is_idempotent_and_cleans_only_its_own_files(mini_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "preview"
    written, _ = write_preview(preview(mini_data), out)
    assert out / INDEX in written and (out / MANIFEST).is_file()
    assert write_preview(preview(mini_data), out) == ([], [])
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    style = default_templates_dir() / "anki" / "style.css"
    templates = tmp_path / "templates"
    shutil.copytree(style.parent.parent, templates)
    (templates / "anki" / "style.css").write_text(style.read_text(encoding="utf-8") + "\n/* v2 */\n",
                                                  encoding="utf-8")
    written, removed = write_preview(preview(mini_data, templates), out)
    assert [p.name.startswith("card-") and not p.exists() for p in removed] == [True]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    css = load_note_types("mini", templates)["basic"].css
    assert any(p.read_text(encoding="utf-8") == css for p in out.glob("card-*.css"))


def test_out_inside_data_is_refused(mini_data: Path) -> None:
    with pytest.raises(UsageError):
        write_preview(preview(mini_data), mini_data / "preview")


def test_bad_data_raises_every_problem(mini_data: Path) -> None:
    (mini_data / "topics" / "03-bad.yaml").write_text(
        "topic: Bad\nnotes:\n  - id: x\n    front: q\n    anwser: a\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        preview(mini_data)
    assert "unknown field 'anwser'" in str(info.value)


def test_cli_preview(mini_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "gallery"
    result = CliRunner().invoke(main, ["preview", "--data", str(mini_data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"preview: \d+ cards of \d+ notes rendered by Anki [\d.]+ .*index\.html\n", result.output)
    assert (out / INDEX).is_file() and not (mini_data / "cardsmith.lock").exists()
    bad = CliRunner().invoke(main, ["preview", "--data", str(tmp_path / "nowhere"), "--out", str(out)])
    assert bad.exit_code == 1 and "Traceback" not in bad.output


def _environment_without_aqt(tmp_path: Path) -> Path:
    """A new virtual environment holding every distribution of this one (cardsmith, anki, …) except
    `aqt`, as links into this environment's site-packages; returns its python."""
    env = tmp_path / "no-aqt"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env)
    python = env / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    ours = dict.fromkeys(Path(sysconfig.get_path(key)) for key in ("purelib", "platlib"))
    for folder in ours:
        for entry in folder.iterdir():
            if not re.match(r"_?aqt($|-)", entry.name) and not (site / entry.name).exists():
                (site / entry.name).symlink_to(entry)
    return python


def test_preview_without_ankis_mathjax_shows_tex_and_says_so_once(mini_data: Path, tmp_path: Path) -> None:
    """A real run in an environment where aqt is not installed (no patching): the gallery is
    written, math stays TeX source, and one warning line says why."""
    python = _environment_without_aqt(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    probe = subprocess.run(
        [python, "-c", "import importlib.metadata as m, importlib.util as u, generator, anki; "
                       "print(u.find_spec('aqt'), u.find_spec('_aqt'), "
                       "[d.metadata['Name'] for d in m.distributions()].count('aqt'))"],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert probe.returncode == 0 and probe.stdout.split() == ["None", "None", "0"], probe.stderr
    out = tmp_path / "gallery"
    run = subprocess.run([python, "-m", "generator", "preview", "--data", str(mini_data), "--out", str(out)],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = (run.stdout + run.stderr).splitlines()
    warnings = [line for line in lines if "MathJax" in line]
    assert warnings == [f"{mini_data.relative_to(tmp_path)}: warning: preview shows math as TeX source: "
                        f"Anki's MathJax is not installed ({INSTALL_HINT})"], lines  # where it ran: tmp_path
    assert len(lines) == 2 and run.stdout.startswith("preview: 10 cards of") and "Traceback" not in run.stderr
    page = (out / INDEX).read_text(encoding="utf-8")
    assert page.count("Anki's MathJax is not installed") == 1 and "<script src=" not in page
    assert not list(out.glob("mathjax*")) and not list(out.glob("*.woff"))
    frames = _frames(page).frames
    assert any(r"\(\frac{a}{b}\)" in frame["srcdoc"] for frame in frames)  # the TeX source, as Anki stores it
    assert len(frames) == 20
