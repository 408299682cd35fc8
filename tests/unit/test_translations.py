"""The interface exists in Vietnamese and English: every message in the code has a Vietnamese
translation, placeholders survive translation, and the compiled catalog matches its source."""

from pathlib import Path

from babel.messages.checkers import python_format
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "web" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_l": None, "lazy_gettext": None}
METHODS = [
    ("campaigns/**.py", "python"),
    ("web/**.py", "python"),
    ("bots/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
]


def messages_in_code() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def load_catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle, locale="vi")


def test_every_message_in_the_code_has_a_vietnamese_translation():
    catalog = load_catalog()
    missing = []
    for msgid in sorted(messages_in_code()):
        message = catalog.get(msgid)
        strings = (
            []
            if message is None
            else ([message.string] if isinstance(message.string, str) else list(message.string))
        )
        if message is None or message.fuzzy or not all(strings):
            missing.append(msgid)
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:10]}"


def test_placeholders_survive_translation():
    catalog = load_catalog()
    for message in catalog:
        if message.id and message.string:
            python_format(catalog, message)  # raises TranslationError on a mismatch


def test_compiled_catalog_matches_its_source():
    catalog = load_catalog()
    with CATALOG.with_suffix(".mo").open("rb") as handle:
        compiled = read_mo(handle)

    def normal(value):
        return value if isinstance(value, str) else tuple(value)

    def translated(message):
        strings = normal(message.string)
        return bool(message.id) and all(strings if isinstance(strings, tuple) else [strings])

    source = {
        normal(message.id): normal(message.string)
        for message in catalog
        if translated(message) and not message.fuzzy
    }
    built = {
        normal(message.id): normal(message.string) for message in compiled if translated(message)
    }
    stale = sorted(str(key) for key, value in source.items() if built.get(key) != value)
    assert not stale, f"run: pybabel compile -d web/translations ({len(stale)} differ)"


class _AnyValue(dict):
    def __missing__(self, key):
        return 1


def _formats(text: str) -> bool:
    try:
        text % _AnyValue()
    except (ValueError, TypeError, KeyError):
        return False
    return True


def test_a_translation_formats_wherever_its_english_does():
    # Jinja's gettext always %-formats, even without variables: a bare "%" in a translation
    # ("Trọng số (%)") makes the page crash in Vietnamese only.
    catalog = load_catalog()
    broken = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if all(_formats(msgid) for msgid in ids) and not all(_formats(s) for s in strings if s):
            broken.append(ids[0])
    assert not broken, broken
