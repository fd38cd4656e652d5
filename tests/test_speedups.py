"""Shortcuts taken for speed give exactly what the plain code they replace gives."""

from __future__ import annotations

import re
import sys

from hypothesis import given
from hypothesis import strategies as st

from generator.cards import note_tags
from generator.model import Note


def test_joined_split_removes_exactly_the_whitespace_re_does() -> None:
    """lint keys fronts by "".join(text.split()), for re.sub(r"\\s+", "", text)."""
    every_char = "".join(map(chr, range(sys.maxunicode + 1)))
    assert "".join(every_char.split()) == re.sub(r"\s+", "", every_char)


@given(st.text())
def test_joined_split_on_any_text(text: str) -> None:
    assert "".join(text.split()) == re.sub(r"\s+", "", text)


@given(st.lists(st.sampled_from(["a", "b", "advice", "x::y"]), max_size=4), st.booleans())
def test_note_tags_shortcut(tags: list[str], advice: bool) -> None:
    note = Note(id="n", front="f", back="b", tags=tags, advice=advice)
    assert note_tags(note) == tuple(dict.fromkeys([*tags, *(["advice"] if advice else [])]))
