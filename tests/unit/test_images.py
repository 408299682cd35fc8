import io
import struct
import zlib

from PIL import Image

from campaigns.images import sniff_image


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A small PNG file whose header claims ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_images_are_recognised_by_their_content():
    assert sniff_image(tiny_png()) == "image/png"
    assert sniff_image(b"GIF89a but not really an image") is None
    assert sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


def test_a_small_file_declaring_a_huge_picture_is_refused():
    # 30000 × 30000 pixels: Pillow's decompression-bomb error, a refusal and not a crash.
    assert sniff_image(png_declaring(30000, 30000)) is None
    # Between Pillow's warning and its error (100 MP): refused too, without a warning.
    assert sniff_image(png_declaring(10000, 10000)) is None
