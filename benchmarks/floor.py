"""The floor: genanki alone writing the same notes, as a plain genanki user would.

Reads the notes, note types, decks and media that a cardsmith build put in its .apkg (dumped
to JSON by benchmarks/run.py) and writes them with genanki's defaults: `Package.write_to_file`,
which builds the collection in a temporary SQLite file and stores it in an uncompressed zip.

    python benchmarks/floor.py FLOOR_INPUT.json OUT.apkg [--one-deck]

genanki's `Deck.write_to_db` reads, decodes, extends and rewrites the collection's whole
decks JSON once per deck, so with the real-shaped deck's hundreds of topic decks that is a
large part of its time; `--one-deck` puts every note in the root deck instead, to show
genanki's cost without it (the benchmark prints it for information).
"""

from __future__ import annotations

import json
import sys
import warnings

import genanki


def main(spec_path: str, out_path: str, one_deck: bool = False) -> None:
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
    root = next(d["id"] for d in spec["decks"] if "::" not in d["name"])
    if one_deck:
        decks = {root: decks[root]}
    for n in spec["notes"]:
        deck = decks[root] if one_deck else decks[n["deck"]]
        deck.add_note(genanki.Note(models[n["model"]], n["fields"], tags=n["tags"], guid=n["guid"]))
    genanki.Package(list(decks.values()), media_files=spec["media"]).write_to_file(out_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--one-deck" in sys.argv[3:])
