"""Refresh the golden record of the shipped deck's rendered fields.

    python tests/golden/refresh.py

Writes tests/golden/fields/<topic file>.json: every note of data/ as the build renders it
(GUID, deck, tags, fields), plus media.json (each media file's name and sha256). Review the
diff like code: a change here is a change every learner sees. tests/test_golden.py fails
when a build renders anything else.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GOLDEN = Path(__file__).resolve().parent / "fields"


def snapshot(data_dir: Path) -> dict[str, str]:
    """File name → JSON text of the golden record for the deck in `data_dir`."""
    from generator.build import prepare
    from generator.templating import default_templates_dir

    prepared = prepare(data_dir, default_templates_dir())
    by_file: dict[str, list[dict[str, object]]] = {}
    for note in prepared.notes:
        by_file.setdefault(note.path.stem + ".json", []).append(
            {"id": note.id, "kind": note.kind, "guid": note.guid, "deck": note.deck,
             "tags": list(note.tags), "fields": list(note.fields)})
    files = {name: _dump(notes) for name, notes in by_file.items()}
    files["media.json"] = _dump({name: hashlib.sha256(data).hexdigest()
                                 for name, data in sorted(prepared.media.items())})
    return files


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    files = snapshot(ROOT / "data")
    GOLDEN.mkdir(exist_ok=True)
    for stale in GOLDEN.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files to {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
