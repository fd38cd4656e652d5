"""cardsmith: structured topic data → an Anki deck and standalone Python exercises."""

__version__ = "0.1.0"
