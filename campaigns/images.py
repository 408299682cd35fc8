"""Images judged by their content: the one check every upload of a picture goes through (post
images, identity-document photos)."""

from __future__ import annotations

import io
import warnings

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
