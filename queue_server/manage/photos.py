"""Work-card photos: check an upload is a real JPEG or PNG, drop its metadata, crop it to
3:4 and store a small JPEG. Pillow does the work, off the event loop."""

from __future__ import annotations

import asyncio
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import BadRequest

MAX_UPLOAD = 4 * 1024 * 1024  # bytes
MAX_PIXELS = 40_000_000
CARD_SIZE = (300, 400)


def _card_jpeg(raw: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            probe.verify()
        if fmt not in ("JPEG", "PNG"):
            raise BadRequest("照片必须是 JPEG 或 PNG 图片", code="bad_photo", field="photo")
        with Image.open(io.BytesIO(raw)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise BadRequest("照片像素太多，请换一张小一些的照片", code="bad_photo", field="photo")
            upright = ImageOps.exif_transpose(img).convert("RGB")  # turn as shot, then forget EXIF
            card = ImageOps.fit(upright, CARD_SIZE, Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise BadRequest("无法识别这张照片，请上传 JPEG 或 PNG 图片", code="bad_photo", field="photo") from None
    out = io.BytesIO()
    card.save(out, "JPEG", quality=85)  # a fresh file: no EXIF, no GPS, no comments
    return out.getvalue()


async def card_jpeg(raw: bytes) -> bytes:
    """The stored work-card JPEG for an uploaded image, or a 400 naming ``photo``."""
    if not raw:
        raise BadRequest("请选择一张照片", code="bad_photo", field="photo")
    return await asyncio.to_thread(_card_jpeg, raw)
