"""Marks domain messages for translation without importing any web framework.

Messages are English templates with ``%(name)s`` placeholders; each door translates them into
the reader's language (the web through Flask-Babel, the bot with the person's locale).
"""


def N_(message: str) -> str:
    """Return ``message`` unchanged; Babel's extractor collects it for the catalogs."""
    return message
