"""The floor: genanki alone writing the same notes, as a plain genanki user would.

Reads the notes, note types, decks and media that a cardsmith build put in its .apkg (dumped
to JSON by benchmarks/run.py) and writes them with genanki's defaults: `Package.write_to_file`,
which builds the collection in a temporary SQLite file and stores it in an uncompressed zip.

    python benchmarks/floor.py FLOOR_INPUT.json OUT.apkg
"""

from __future__ import annotations

import json
import sys
import warnings

import genanki


def main(spec_path: str, out_path: str) -> None:
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    models = {
        m["id"]: genanki.Model(
            m["id"], m["name"], fields=[{"name": name} for name in m["fields"]],
            templates=m["templates"], css=m["css"],
            model_type=genanki.Model.CLOZE if m["cloze"] else genanki.Model.FRONT_BACK)
        for m in spec["models"]
    }
    decks = {d["id"]: genanki.Deck(d["id"], d["name"], d["description"]) for d in spec["decks"]}
    warnings.simplefilter("ignore")  # genanki's per-field HTML check still runs; its output is noise here
    for n in spec["notes"]:
        decks[n["deck"]].add_note(genanki.Note(models[n["model"]], n["fields"], tags=n["tags"], guid=n["guid"]))
    genanki.Package(list(decks.values()), media_files=spec["media"]).write_to_file(out_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
