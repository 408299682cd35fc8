"""Images judged by their content: the one check every upload of a picture goes through (post
images, identity-document photos, field reports' photos), and the one way an image is kept in
the media folder."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

# Larger than any photo a phone takes (50 MP); a small file declaring more pixels is a
# decompression bomb, refused before any decoding.
MAX_PIXELS = 50_000_000

_IMAGE_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}


def sniff_image(content: bytes) -> str | None:
    """The MIME type of an image judged by its content (not its name), or None when it is not
    an image Herald accepts (unknown format, damaged, or more than MAX_PIXELS pixels)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return None
                image.verify()
                return _IMAGE_FORMATS.get(image.format or "")
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        return None


@dataclass(frozen=True)
class StoredImage:
    path: str  # relative to the media root
    mime_type: str
    sha256: str
    size_bytes: int


def store_image(content: bytes, mime_type: str, media_root: Path | str) -> StoredImage:
    """Keep ``content`` (an image already checked with ``sniff_image``) under ``media_root``,
    named by its SHA-256: the same picture sent twice is one file, and a name never says whose
    it is. Written to a temporary name first, so nobody reads half a file."""
    digest = hashlib.sha256(content).hexdigest()
    extension = mime_type.split("/")[1].replace("jpeg", "jpg")
    relative = f"{digest[:2]}/{digest}.{extension}"
    target = Path(media_root) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(target)
    return StoredImage(path=relative, mime_type=mime_type, sha256=digest, size_bytes=len(content))
