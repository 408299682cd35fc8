"""The typefaces Herald's letters print with: DejaVu Sans for Latin, Vietnamese and Cyrillic
(shipped in ``fonts/``), and Noto Sans from font packages for the scripts DejaVu lacks (Khmer,
Lao, Thai, Myanmar, Japanese, Chinese, Korean), so that a journalist's name prints in its own
script.

The Noto fonts are variable fonts of up to 17 MB. fpdf2 can pin a weight itself, but instancing a
whole CJK font takes half a minute; cutting the font down to the letter's few characters first
and pinning the weight of that subset takes well under a second, so that is what this does for
each letter.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer
from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
PRIMARY_FAMILY = "DejaVu"
_PRIMARY_FILES = {"": FONTS / "DejaVuSans.ttf", "B": FONTS / "DejaVuSans-Bold.ttf"}
_WEIGHTS = {"": 400, "B": 700}


@dataclass(frozen=True)
class Fallback:
    family: str
    package: str
    file: str
    # Scripts whose letters combine need the font's shaping tables; CJK ideographs do not.
    shaped: bool = False

    @property
    def path(self) -> Path:
        return Path(str(resources.files(self.package).joinpath(self.file)))


def _southeast_asian(family: str, folder: str, file: str) -> Fallback:
    return Fallback(family, "justmytype_intl_sea", f"fonts/ofl/{folder}/{file}", shaped=True)


# Scripts of Viet Nam's neighbours, whose letters combine: they are shaped by HarfBuzz.
_SOUTHEAST_ASIAN = [
    _southeast_asian("NotoSansKhmer", "notosanskhmer", "NotoSansKhmer[wdth,wght].ttf"),
    _southeast_asian("NotoSansLao", "notosanslao", "NotoSansLao[wdth,wght].ttf"),
    _southeast_asian("NotoSansThai", "notosansthai", "NotoSansThai[wdth,wght].ttf"),
    _southeast_asian("NotoSansMyanmar", "notosansmyanmar", "NotoSansMyanmar[wdth,wght].ttf"),
]
_CJK = {
    "jp": Fallback(
        "NotoSansJP", "justmytype_intl_cjk", "fonts/ofl/notosansjp/NotoSansJP[wght].ttf"
    ),
    "sc": Fallback(
        "NotoSansSC", "justmytype_intl_cjk", "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"
    ),
    "tc": Fallback(
        "NotoSansTC", "justmytype_intl_cjk", "fonts/ofl/notosanstc/NotoSansTC[wght].ttf"
    ),
    "kr": Fallback(
        "NotoSansKR", "justmytype_intl_cjk", "fonts/ofl/notosanskr/NotoSansKR[wght].ttf"
    ),
}
# Han characters look different in Japan, China, Taiwan and Korea: the first CJK font that has a
# character draws it, so the reader's country decides which one comes first.
_HAN_FIRST = {"JP": "jp", "KR": "kr", "KP": "kr", "TW": "tc", "HK": "tc", "MO": "tc"}


def fallbacks_for(country: str | None) -> list[Fallback]:
    """The fallback fonts in the order they are tried, for a reader from ``country``."""
    first = _HAN_FIRST.get((country or "").upper(), "sc")
    order = [first] + [key for key in ("jp", "sc", "tc", "kr") if key != first]
    return [*_SOUTHEAST_ASIAN, *(_CJK[key] for key in order)]


def _open(path: Path) -> TTFont:
    # Read from memory: a TTFont on a file keeps it open for as long as the font lives.
    return TTFont(io.BytesIO(path.read_bytes()), lazy=True)


@cache
def _characters(path: Path) -> frozenset[int]:
    with _open(path) as font:
        return frozenset(font.getBestCmap())


def _printable(text: str) -> set[str]:
    return {
        character
        for character in text
        if not character.isspace() and unicodedata.category(character) not in {"Cc", "Cf"}
    }


def uncovered(text: str, fonts: Iterable[Path]) -> set[str]:
    """The characters of ``text`` that none of ``fonts`` can draw."""
    missing = _printable(text)
    for path in fonts:
        missing = {character for character in missing if ord(character) not in _characters(path)}
    return missing


def unprintable(text: str, *, country: str | None = None) -> set[str]:
    """The characters of ``text`` that no font of a letter can draw."""
    return uncovered(
        text, [_PRIMARY_FILES[""], *(fallback.path for fallback in fallbacks_for(country))]
    )


@lru_cache(maxsize=256)
def _cut(fallback: Fallback, characters: frozenset[str]) -> dict[str, bytes]:
    """The fallback font reduced to ``characters`` (and what shaping them needs), as TrueType
    bytes per style, its variable axes pinned to the style's weight and their defaults.
    Remembered: the same names and messages are printed again and again."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    if not fallback.shaped:
        options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    with _open(fallback.path) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(characters)))
        subsetter.subset(font)
        styles = {}
        for style, weight in _WEIGHTS.items():
            instance = font
            if "fvar" in font:
                axes = {
                    axis.axisTag: weight if axis.axisTag == "wght" else axis.defaultValue
                    for axis in font["fvar"].axes
                }
                instance = instancer.instantiateVariableFont(font, axes)
            buffer = io.BytesIO()
            instance.save(buffer)
            styles[style] = buffer.getvalue()
    return styles


def install_fonts(
    pdf: FPDF, text: str, *, fallbacks: Sequence[Fallback], workdir: Path
) -> set[str]:
    """Give ``pdf`` the primary family (regular and bold) and, for the characters of ``text``
    it cannot draw, the fallback fonts that can, cut to those characters in ``workdir`` (which
    must outlive the PDF's output). Returns the characters no font can draw."""
    for style, path in _PRIMARY_FILES.items():
        pdf.add_font(PRIMARY_FAMILY, style, str(path))
    missing = uncovered(text, [_PRIMARY_FILES[""]])
    families = []
    for fallback in fallbacks:
        if not missing:
            break
        drawn = {character for character in missing if ord(character) in _characters(fallback.path)}
        if not drawn:
            continue
        for style, font in _cut(fallback, frozenset(drawn)).items():
            path = workdir / f"{fallback.family}{style}.ttf"
            path.write_bytes(font)
            pdf.add_font(fallback.family, style, str(path))
        families.append(fallback.family)
        missing -= drawn
    if families:
        pdf.set_fallback_fonts(families)
    # Khmer (and any script whose letters combine) is unreadable without shaping.
    pdf.set_text_shaping(True)
    return missing
