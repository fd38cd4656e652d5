"""Drive the official Anki backend (PyPI `anki`, the Rust core of desktop and AnkiDroid)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anki import import_export_pb2 as pb
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

IF_NEWER = pb.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
ALWAYS = pb.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS


def new_collection(folder: Path) -> Collection:
    """A fresh, empty collection in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_apkg(col: Collection, apkg: Path, *, update_notes: int = IF_NEWER,
                update_notetypes: int = IF_NEWER, merge: bool = False) -> Any:
    """Import like File → Import with the GUI defaults; returns the import log."""
    request = ImportAnkiPackageRequest(
        package_path=str(apkg),
        options=ImportAnkiPackageOptions(update_notes=update_notes, update_notetypes=update_notetypes,
                                         merge_notetypes=merge, with_scheduling=False,
                                         with_deck_configs=False))
    log = col.import_anki_package(request).log
    col.models._clear_cache()  # the Python-side notetype cache is not cleared by imports
    return log


def field_of(col: Collection, note_id: int, name: str) -> str:
    """One field of a note, by field name."""
    return str(col.get_note(note_id)[name])
