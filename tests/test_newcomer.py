"""A newcomer's deck (issue 13): the installed tool, `init`, theme overrides, the editor schema, CLI habits.

The wheel is built and installed (not editable) into a fresh venv once per test session; a
deck made by `cardsmith init` is built with it from a subfolder and imported into real Anki.
The editor schemas are checked with the `jsonschema` library against the loader: what one
accepts the other accepts.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from anki_helpers import import_apkg, new_collection
from generator.cli import main
from generator.errors import DataError
from generator.loader import load_yaml
from generator.model import CLOZE_RE, load_deck, validate
from generator.project import create_deck
from generator.schema import SCHEMAS
from test_anki_e2e import LEFTOVER
from test_bad_input import CASES

ROOT = Path(__file__).resolve().parent.parent
IS_EDITABLE = Path(importlib.import_module("generator").__file__ or "").resolve().is_relative_to(ROOT)


# --- the installed tool ------------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    """cardsmith built as a wheel and installed from it into a fresh venv."""

    wheel: Path
    bin: Path

    def run(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """The venv's `cardsmith` console script, as a newcomer types it."""
        return subprocess.run([str(self.bin / "cardsmith"), *args], cwd=cwd, env=_clean_env(),
                              capture_output=True, text=True, timeout=120)


def _clean_env() -> dict[str, str]:
    """The environment without anything that points Python at this checkout or venv."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def _run(cmd: list[str], **kwargs: Any) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """`pip wheel --no-deps` of this checkout, installed (dependencies from pip's cache or PyPI)
    into a fresh venv. Built from a copy, so the checkout gets no build/ and a stale one of it
    can never slip into the wheel."""
    work = tmp_path_factory.mktemp("installed")
    src = work / "src"
    for name in ("generator", "templates"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    _run([*pip, "wheel", "--no-deps", "-w", str(work / "dist"), str(src)])
    (wheel,) = (work / "dist").glob("cardsmith-*.whl")
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    _run([*pip, "--python", str(venv / "bin" / "python"), "install", str(wheel)], env=_clean_env())
    return Installed(wheel, venv / "bin")


def _theme_sources() -> dict[str, bytes]:
    """Every file of the default theme's source, the top-level templates/, by its name."""
    folder = ROOT / "templates"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def test_wheel_ships_the_whole_theme(installed: Installed) -> None:
    prefix = "generator/theme/"
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = {name.removeprefix(prefix): wheel.read(name) for name in wheel.namelist()
                   if name.startswith(prefix) and not name.endswith("/")}
    assert shipped == _theme_sources()


def test_installed_tool_runs_from_its_own_files(installed: Installed, tmp_path: Path) -> None:
    code = "import generator, generator.templating as t; print(generator.__file__); print(t.default_templates_dir())"
    done = subprocess.run([str(installed.bin / "python"), "-c", code], cwd=tmp_path, env=_clean_env(),
                          capture_output=True, text=True, check=True)
    module, theme = map(Path, done.stdout.splitlines())
    venv = installed.bin.parent
    assert module.is_relative_to(venv) and theme.is_relative_to(venv) and (theme / "anki" / "style.css").is_file()
    assert not module.resolve().is_relative_to(ROOT) and not theme.resolve().is_relative_to(ROOT)


# Runs `cardsmith ARGS…` in the installed venv and records every file or folder it opens or
# lists, through Python's audit hooks: which files of the checkout and of the theme it read.
AUDITED = """
import json, os, sys
checkout, report = sys.argv.pop(1), sys.argv.pop(1)
opened = set()

def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        opened.add(os.path.realpath(os.fsdecode(args[0])))

sys.addaudithook(hook)
try:
    from generator.cli import main
    main(prog_name="cardsmith")
finally:
    with open(report, "w", encoding="utf-8") as handle:
        json.dump(sorted(opened), handle)
"""


def _audited_run(installed: Installed, args: list[str], cwd: Path, report: Path) -> list[Path]:
    """Run `cardsmith ARGS…` like AUDITED says; every path it opened or listed."""
    done = subprocess.run([str(installed.bin / "python"), "-c", AUDITED, str(ROOT), str(report), *args],
                          cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return [Path(p) for p in json.loads(report.read_text(encoding="utf-8"))]


def _anki_snapshot(apkg: Path, folder: Path) -> tuple[dict[tuple[str, ...], str], dict[str, tuple[str, str]]]:
    """What an import of `apkg` into a fresh collection holds (every field and tag of every note,
    the note types' CSS and card templates, the decks' descriptions, the media), and each card's
    two sides as rendered by Anki, by note id and card ordinal."""
    col = new_collection(folder)
    log = import_apkg(col, apkg)
    assert (len(log.updated), len(log.duplicate), len(log.conflicting)) == (0, 0, 0)
    stored: dict[tuple[str, ...], str] = {}
    sides: dict[str, tuple[str, str]] = {}
    for note_id in col.find_notes(""):
        note = col.get_note(note_id)
        notetype = note.note_type()
        assert notetype is not None
        stored[("note", note["Id"], "notetype")] = notetype["name"]
        stored[("note", note["Id"], "tags")] = " ".join(sorted(note.tags))
        stored.update({("note", note["Id"], name): value for name, value in note.items()})
        for card in note.cards():
            out = card.render_output()
            sides[f"{note['Id']}/{card.ord}"] = (out.question_text, out.answer_text)
    for notetype in col.models.all():
        stored[("notetype", notetype["name"], "css")] = notetype["css"]
        for template in notetype["tmpls"]:
            stored[("notetype", notetype["name"], template["name"], "front")] = template["qfmt"]
            stored[("notetype", notetype["name"], template["name"], "back")] = template["afmt"]
    for name in sorted(deck.name for deck in col.decks.all_names_and_ids()):
        found = col.decks.by_name(name)
        assert found is not None
        stored[("deck", name)] = str(found["desc"])
    media = Path(col.media.dir())
    stored.update({("media", p.name): p.read_bytes().hex() for p in sorted(media.iterdir()) if p.is_file()})
    assert col.card_count() == len(sides)
    col.close()
    return stored, sides


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>|\s", "", html)


def test_newcomer_init_build_import_override(installed: Installed, tmp_path: Path) -> None:
    """The README's path without a clone: init, cd into the deck, build, import in Anki; then
    one theme file overridden in the deck's own templates/ changes that output and nothing else."""
    home = tmp_path / "home"
    home.mkdir()
    done = installed.run("init", "mydeck", cwd=home)
    assert done.returncode == 0, done.stderr
    assert "cd mydeck" in done.stdout and "cardsmith build" in done.stdout
    deck = home / "mydeck"
    topics = deck / "data" / "topics"
    done = installed.run("build", cwd=topics)
    assert done.returncode == 0, done.stderr
    (apkg,) = (deck / "build").glob("*.apkg")
    stored, sides = _anki_snapshot(apkg, tmp_path / "anki1")

    # One note of each kind, each card with both sides rendered, nothing left of the templates.
    notes = [note for _, note, _ in load_deck(deck / "data").notes()]
    assert {note.kind for note in notes} == {"basic", "reverse", "cloze"}
    assert {key[1] for key in stored if key[0] == "note"} == {note.id for note in notes}
    assert len(sides) == sum(len(set(CLOZE_RE.findall(note.text or ""))) if note.kind == "cloze"
                             else 2 if note.kind == "reverse" else 1 for note in notes)
    for card, (front, back) in sides.items():
        assert _visible(front) and _visible(back), f"empty side on card {card}"
        assert not LEFTOVER.search(front) and not LEFTOVER.search(back), f"unrendered template syntax on {card}"
    assert any(r"\(" in front for front, _ in sides.values()), "the cloze note's math"
    assert any("<pre" in front for front, _ in sides.values()), "the code block"

    # Override one theme file in the deck folder: only the field it makes changes.
    cited = [key[1] for key, value in stored.items() if key[0] == "note" and key[2] == "Sources" and value]
    assert len(cited) == 1, cited
    override = deck / "templates" / "fields" / "sources.html.j2"
    override.parent.mkdir(parents=True)
    override.write_text('<ol class="my-sources">{% for s in sources %}<li>{{ s.title }}</li>{% endfor %}</ol>\n',
                        encoding="utf-8")
    opened = _audited_run(installed, ["build"], topics, tmp_path / "opened.json")
    assert [p for p in opened if p.is_relative_to(ROOT)] == [], "the installed tool read this checkout"
    theme = [p.parent for p in opened if p.is_relative_to(installed.bin.parent) and p.match("generator/theme/anki/*")]
    assert override.resolve() in opened and theme, "the audit saw neither the override nor the installed theme"
    (apkg2,) = (deck / "build").glob("*.apkg")
    stored2, sides2 = _anki_snapshot(apkg2, tmp_path / "anki2")
    changed = {key for key in stored.keys() | stored2.keys() if stored.get(key) != stored2.get(key)}
    assert changed == {("note", cited[0], "Sources")}
    assert stored2[("note", cited[0], "Sources")].startswith('<ol class="my-sources"><li>')
    assert {card for card in sides if sides[card] != sides2[card]} == {f"{cited[0]}/0"}


# --- the editor schemas ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """`cardsmith schema --out DIR`: file name → schema."""
    out = tmp_path_factory.mktemp("schemas")
    result = CliRunner().invoke(main, ["schema", "--out", str(out)])
    assert result.exit_code == 0, result.output
    found = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in out.iterdir()}
    assert set(found) == set(SCHEMAS)
    for schema in found.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    return found


def _model(schema_name: str) -> Any:
    module, _, name = SCHEMAS[schema_name][0].partition(":")
    return getattr(importlib.import_module(module), name)


def _schema_errors(schemas: dict[str, dict[str, Any]], schema_name: str, text: str) -> list[str]:
    """What the schema says about the YAML `text`, loaded as editors load it (yaml.safe_load)."""
    validator = jsonschema.Draft202012Validator(schemas[schema_name])
    return [error.message for error in validator.iter_errors(yaml.safe_load(text))]


def _loader_errors(schema_name: str, text: str, name: str = "case.yaml") -> list[str]:
    """What cardsmith's loader and model say about the same text."""
    try:
        validate(load_yaml(Path(name), text.encode("utf-8")), _model(schema_name))
    except DataError as exc:
        return [str(p) for p in exc.problems]
    return []


def _data_files() -> list[tuple[str, Path]]:
    data = ROOT / "data"
    return ([("deck.schema.json", data / "deck.yaml"), ("diagrams.schema.json", data / "diagrams.yaml")]
            + [("topic.schema.json", p) for p in sorted((data / "topics").glob("*.y*ml"))]
            + [("exercise.schema.json", p) for p in sorted((data / "exercises").glob("*.y*ml"))])


def test_schemas_accept_every_file_of_this_deck(schema_files: dict[str, dict[str, Any]]) -> None:
    files = _data_files()
    assert len([f for f in files if f[0] == "topic.schema.json"]) >= 5
    assert len([f for f in files if f[0] == "exercise.schema.json"]) >= 1
    for schema_name, path in files:
        text = path.read_text(encoding="utf-8")
        assert _schema_errors(schema_files, schema_name, text) == [], path
        assert _loader_errors(schema_name, text, str(path)) == [], path


def test_schemas_accept_what_init_writes(schema_files: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    deck = tmp_path / "mydeck"
    create_deck(deck)
    for path, schema_name in ((deck / "data" / "deck.yaml", "deck.schema.json"),
                              (deck / "data" / "topics" / "01-first-topic.yaml", "topic.schema.json")):
        text = path.read_text(encoding="utf-8")
        assert _schema_errors(schema_files, schema_name, text) == [], path
        assert _loader_errors(schema_name, text, str(path)) == [], path
        # the editor finds the schema through the file's first line, relative to the file
        match = re.match(r"# yaml-language-server: \$schema=(\S+)\n", text)
        assert match, path
        target = (path.parent / match.group(1)).resolve()
        assert target == (deck / "schemas" / schema_name).resolve()
        assert json.loads(target.read_text(encoding="utf-8")) == schema_files[schema_name]


# The rows of tests/test_bad_input.py's table that are about the shape of a file: the schema
# must reject them as the loader does. (The others are YAML-level, lint or cross-file rules.)
SCHEMA_ROWS = ["empty", "scalar", "list", "unknown-key", "missing-field", "wrong-type", "empty-string",
               "bad-id", "unknown-kind", "subdeck-in-topic"]


@pytest.mark.parametrize("name", SCHEMA_ROWS)
def test_schemas_reject_the_bad_input_tables_shape_rows(name: str, schema_files: dict[str, dict[str, Any]]) -> None:
    (case,) = [c for c in CASES if c.name == name]  # a renamed row must be renamed here too
    text = case.content if isinstance(case.content, str) else case.content.decode("utf-8")
    assert _loader_errors("topic.schema.json", text), "the loader accepts it"
    assert _schema_errors(schema_files, "topic.schema.json", text), "the schema accepts it"


def _note(body: str) -> str:
    return "topic: T\nnotes:\n  - id: x\n" + "".join(f"    {line}\n" for line in body.strip().split("\n"))


# Each file either passes both the loader and the schema, or neither: (schema, text, valid).
AGREE = [
    ("topic.schema.json", _note("front: q\nback: a\nextra:"), True),  # an explicit null
    ("topic.schema.json", _note("kind: reverse\nfront: q"), False),
    ("topic.schema.json", _note("kind: cloze\ntext: '{{c1::a}}'\nfront:"), True),
    ("topic.schema.json", _note("kind: cloze\ntext: '{{c1::a}}'\nfront: q"), False),
    ("topic.schema.json", _note("kind: cloze\nfront: q\nback: a"), False),
    ("topic.schema.json", _note("front: q\nback: a\ntext: t"), False),
    ("topic.schema.json", _note("front: q\nback: a\nsources: [{title: P, arxiv: '2401.00001'}]"), True),
    ("topic.schema.json", _note("front: q\nback: a\nsources: [{title: P, arxiv: '2401.00001', url: ~}]"), True),
    ("topic.schema.json", _note("front: q\nback: a\nsources: [{title: P}]"), False),
    ("topic.schema.json", _note("front: q\nback: a\nsources: [{title: P, arxiv: '2401.00001', url: 'https://a.b'}]"),
     False),
    ("topic.schema.json", _note("front: q\nback: a\nsources: [{title: P, url: 'ftp://a.b'}]"), False),
    ("topic.schema.json", _note("front: q\nback: a\nadvice: 'yes'"), False),
    ("topic.schema.json", _note("front: q\nback: a\ntags: [a b]"), False),
    ("topic.schema.json", "topic: T\nnotes: []\n", False),
    ("topic.schema.json", _note("front: 1\nback: a"), False),
    ("deck.schema.json", "name: My deck\nnamespace: my-deck-1a2b\nrequire_sources: true\n", True),
    ("deck.schema.json", "name: My deck\nnamespace: My Deck\n", False),
    ("deck.schema.json", "name: My deck\n", False),
    ("deck.schema.json", "name: A::B\nnamespace: ab\n", False),
    ("deck.schema.json", "name: My deck\nnamespace: ab\nrequire_sources: 'true'\n", False),
    ("deck.schema.json", "name: My deck\nnamespace: ab\nsources: []\n", False),
    ("diagrams.schema.json", "diagrams:\n  - id: d\n    template: d.svg.j2\n    params: {a: 1}\n", True),
    ("diagrams.schema.json", "diagrams:\n  - id: d\n    template: d.svg\n", False),
    ("diagrams.schema.json", "diagrams:\n  - id: d\n    template: d.svg.j2\n    param: {}\n", False),
]


@pytest.mark.parametrize("schema_name, text, valid", AGREE, ids=[f"{s.split('.')[0]}-{i}" for i, (s, _, _) in
                                                                  enumerate(AGREE)])
def test_loader_and_schema_agree(schema_name: str, text: str, valid: bool,
                                 schema_files: dict[str, dict[str, Any]]) -> None:
    assert (_loader_errors(schema_name, text) == []) == valid
    assert (_schema_errors(schema_files, schema_name, text) == []) == valid


@pytest.mark.parametrize("change", ["drop-hints", "unknown-key", "bad-type-name", "case-id"])
def test_loader_and_exercise_schema_agree(change: str, schema_files: dict[str, dict[str, Any]]) -> None:
    path = next(p for _, p in _data_files() if p.parent.name == "exercises")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if change == "drop-hints":
        del data["hints"]
    elif change == "unknown-key":
        data["hint"] = data["hints"]
    elif change == "bad-type-name":
        data["function"]["returns"] = "List[int]"
    else:
        data["cases"][0]["id"] = "Bad Id"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert _loader_errors("exercise.schema.json", text), "the loader accepts it"
    assert _schema_errors(schema_files, "exercise.schema.json", text), "the schema accepts it"


def test_schema_without_out_writes_into_the_deck_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deck = tmp_path / "mydeck"
    create_deck(deck)
    shutil.rmtree(deck / "schemas")
    monkeypatch.chdir(deck / "data" / "topics")
    result = _invoke(["schema", "-q"])
    assert result.exit_code == 0 and result.output == "", result.output
    assert sorted(p.name for p in (deck / "schemas").iterdir()) == sorted(SCHEMAS)
    assert not (deck / "data" / "topics" / "schemas").exists()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert _invoke(["schema", "-q"]).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "elsewhere" / "schemas").iterdir()) == sorted(SCHEMAS)


# --- CLI habits --------------------------------------------------------------------------------


@pytest.fixture
def new_deck(tmp_path: Path) -> Path:
    """A deck folder as `cardsmith init` makes it."""
    create_deck(tmp_path / "mydeck")
    return tmp_path / "mydeck"


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args)


@pytest.mark.parametrize("flag", ["-q", "-v", "-vv"])
@pytest.mark.parametrize("command", ["build", "check"])
def test_verbosity_after_the_subcommand(flag: str, command: str, new_deck: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`cardsmith build -q` says what `cardsmith -q build` says, run for run; and not what
    `cardsmith build` says."""
    if command == "check":  # check needs a lock: a built deck
        assert _invoke(["build", "-q", "--data", str(new_deck)]).exit_code == 0
    seen: dict[str, list[tuple[int, str, str]]] = {}
    for form in ("before", "after", "none"):
        deck = tmp_path / form
        shutil.copytree(new_deck, deck)  # the same namespace: the same file names in the output
        monkeypatch.chdir(deck)  # paths in the output are relative to it: the same in every copy
        args = {"before": [flag, command], "after": [command, flag], "none": [command]}[form]
        runs = [_invoke(args) for _ in range(2)]  # a first build, then one with nothing to do
        seen[form] = [(r.exit_code, r.stdout, r.stderr) for r in runs]
    assert seen["before"] == seen["after"]
    assert all(code == 0 for code, _, _ in seen["after"])
    if flag == "-q" or command == "build":  # check says no more with -v than without
        assert seen["after"] != seen["none"]
    if flag == "-q":
        assert all(out == "" for _, out, _ in seen["after"])


@pytest.mark.parametrize("command", ["build", "check", "preview"])
def test_commands_work_from_any_subfolder(command: str, new_deck: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _invoke(["build", "-q", "--data", str(new_deck)]).exit_code == 0
    (new_deck / "notes" / "drafts").mkdir(parents=True)
    for where in (new_deck / "data" / "topics", new_deck / "notes" / "drafts"):
        monkeypatch.chdir(where)
        result = _invoke([command])
        assert result.exit_code == 0, result.output
    assert len(list((new_deck / "build").glob("*.apkg"))) == 1
    assert (new_deck / "build" / "preview" / "index.html").is_file() == (command == "preview")
    assert not (new_deck / "notes" / "drafts" / "build").exists()


@pytest.mark.skipif(not IS_EDITABLE, reason="the suite does not run from an editable install of this checkout")
def test_editable_install_uses_the_other_decks_theme(new_deck: Path, tmp_path: Path) -> None:
    """This checkout's own tool, installed with `pip install -e`, building another deck folder
    that overrides one theme file: that file comes from the deck, every other from the theme."""
    marker = "/* mydeck's own style */ .card { color: teal; }\n"
    (new_deck / "templates" / "anki").mkdir(parents=True)
    (new_deck / "templates" / "anki" / "style.css").write_text(marker, encoding="utf-8")
    script = Path(sys.executable).with_name("cardsmith")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "generator"]
    done = subprocess.run([*command, "build"], cwd=new_deck / "data", env=_clean_env(), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (apkg,) = (new_deck / "build").glob("*.apkg")
    stored, _ = _anki_snapshot(apkg, tmp_path / "anki")
    css = [value for key, value in stored.items()
           if key[0] == "notetype" and key[1].startswith("cardsmith") and key[2] == "css"]
    ours = (ROOT / "templates" / "anki" / "style.css").read_text(encoding="utf-8").strip()
    highlight = (ROOT / "templates" / "anki" / "highlight.css").read_text(encoding="utf-8").strip()
    assert len(css) == 3
    assert all(marker.strip() in text and ours not in text and highlight in text for text in css)


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under `folder`."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None for p in folder.rglob("*")}


@pytest.mark.parametrize("already", ["a-deck", "one-schema-file", "a-file"])
def test_init_never_overwrites(already: str, tmp_path: Path) -> None:
    target = tmp_path / "mydeck"
    if already == "a-deck":
        create_deck(target)
    elif already == "one-schema-file":
        (target / "schemas").mkdir(parents=True)
        (target / "schemas" / "topic.schema.json").write_text("{}\n", encoding="utf-8")
    else:
        target.write_text("notes\n", encoding="utf-8")
    before = _tree(tmp_path)
    result = _invoke(["init", str(target)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cardsmith: ") and str(target) in lines[0], lines
    assert ("never overwrites" if already != "a-file" else "is a file") in lines[0]
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("folder, name", [("q", 'The "best" deck'), ("q", "  "), ("q", "x" * 101), ("a::b", None)])
def test_init_refuses_a_name_that_cannot_build(folder: str, name: str | None, tmp_path: Path) -> None:
    result = _invoke(["init", str(tmp_path / folder)] + (["--name", name] if name is not None else []))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cardsmith: ") and "--name" in lines[0], lines
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("folder, name", [("my_vocab-deck", None), ("q", "Physics: mechanics, Bob's 日本語")])
def test_init_then_build_with_any_fitting_name(folder: str, name: str | None, tmp_path: Path) -> None:
    result = _invoke(["init", str(tmp_path / folder)] + (["--name", name] if name is not None else []))
    assert result.exit_code == 0, result.output
    result = _invoke(["build", "-q", "--data", str(tmp_path / folder)])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / folder / "build").glob("*.apkg"))) == 1


# (where the command runs, its options after the command, what the one line must say)
WRONG_PATHS = {
    "missing": ("", ["--data", "nope"], ["--data 'nope' not found", "cardsmith init"]),
    "empty-folder": ("", ["--data", "empty"], ["has no deck.yaml and no data/deck.yaml", "cardsmith init"]),
    "deck-file": ("", ["--data", "mydeck/data/deck.yaml"], ["is a file", "pass --data 'mydeck'"]),
    "topics-folder": ("", ["--data", "mydeck/data/topics"], ["has no deck.yaml", "pass --data 'mydeck'"]),
    "no-deck-here": ("empty", [], ["no deck folder here", "cardsmith init"]),
    "templates-missing": ("mydeck", ["--templates", "nope"], ["--templates 'nope' not found", "theme files"]),
    "templates-file": ("mydeck", ["--templates", ".gitignore"], ["--templates '.gitignore' is not a folder"]),
}


@pytest.mark.parametrize("where", WRONG_PATHS)
@pytest.mark.parametrize("command", ["build", "check", "preview"])
def test_a_wrong_path_says_what_was_found_and_what_to_do(command: str, where: str, new_deck: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cwd, options, says = WRONG_PATHS[where]
    assert new_deck.parent == tmp_path
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / cwd)
    before = _tree(tmp_path)
    result = _invoke([command, *options])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cardsmith: "), lines
    assert all(part in lines[0] for part in says), lines[0]
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("given", ["deck-folder", "data-folder"])
def test_data_takes_the_deck_folder_or_its_data(given: str, new_deck: Path) -> None:
    data = new_deck if given == "deck-folder" else new_deck / "data"
    result = _invoke(["build", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert len(list((new_deck / "build").glob("*.apkg"))) == 1
