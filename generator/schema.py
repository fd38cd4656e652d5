"""JSON Schemas for editors, generated from the very pydantic models the loader validates with.

Editors that speak the YAML language server (VS Code with Red Hat's YAML extension, Neovim,
JetBrains IDEs, Helix…) complete and check fields while typing when a file starts with
`# yaml-language-server: $schema=<path to the schema>`; `cardsmith init` writes that line.
The schema checks shapes (fields, types, patterns); a few rules need the whole file (e.g. a
cloze note needs {{c1::…}} in its text) and are left to `cardsmith check`.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMAS = {  # file name → (model, title)
    "deck.schema.json": ("generator.model:DeckFile", "cardsmith deck.yaml"),
    "topic.schema.json": ("generator.model:TopicFile", "cardsmith topic file (data/topics/*.yaml)"),
    "diagrams.schema.json": ("generator.model:DiagramFile", "cardsmith diagrams.yaml"),
    "exercise.schema.json": ("generator.exercises:ExerciseFile", "cardsmith exercise (data/exercises/*.yaml)"),
}


def schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema (draft 2020-12) of each kind of data file."""
    import importlib

    result = {}
    for filename, (target, title) in SCHEMAS.items():
        module, _, name = target.partition(":")
        model = getattr(importlib.import_module(module), name)
        schema: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title}
        schema.update(model.model_json_schema(mode="validation"))
        schema["title"] = title
        result[filename] = schema
    return result


def schema_texts() -> dict[str, str]:
    """File name → the schema as written to disk (stable, diff-friendly JSON)."""
    return {name: json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            for name, schema in schemas().items()}
