"""Uploaded photos: check an upload is a real JPEG or PNG, drop its metadata and store a
fresh JPEG: a work card cropped to 3:4, or inspection evidence bounded in size. Pillow does
the work, off the event loop, imported only when a photo arrives (the server starts without
it)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import BadRequest

if TYPE_CHECKING:
    from PIL import Image

MAX_UPLOAD = 4 * 1024 * 1024  # bytes
MAX_PIXELS = 40_000_000
CARD_SIZE = (300, 400)
EVIDENCE_SIDE = 1280


def _checked(raw: bytes, crop: Callable[[Image.Image], Image.Image]) -> bytes:
    """``crop(upright RGB image)`` of a real JPEG or PNG upload, saved as a fresh JPEG."""
    from PIL import Image, ImageOps, UnidentifiedImageError

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
            out_img = crop(upright)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise BadRequest("无法识别这张照片，请上传 JPEG 或 PNG 图片", code="bad_photo", field="photo") from None
    out = io.BytesIO()
    out_img.save(out, "JPEG", quality=85)  # a fresh file: no EXIF, no GPS, no comments
    return out.getvalue()


def _card_jpeg(raw: bytes) -> bytes:
    from PIL import Image, ImageOps

    return _checked(raw, lambda img: ImageOps.fit(img, CARD_SIZE, Image.Resampling.LANCZOS))


def _evidence_jpeg(raw: bytes) -> bytes:
    from PIL import Image

    def bounded(img: Image.Image) -> Image.Image:
        img.thumbnail((EVIDENCE_SIDE, EVIDENCE_SIDE), Image.Resampling.LANCZOS)  # never enlarges
        return img

    return _checked(raw, bounded)


async def evidence_jpeg(raw: bytes) -> bytes:
    """A photo kept as evidence (the self-inspection's ticks): the same checks as a work card,
    uncropped, at most ``EVIDENCE_SIDE`` pixels a side; or a 400 naming ``photo``."""
    if not raw:
        raise BadRequest("请选择一张照片", code="bad_photo", field="photo")
    return await asyncio.to_thread(_evidence_jpeg, raw)


async def card_jpeg(raw: bytes) -> bytes:
    """The stored work-card JPEG for an uploaded image, or a 400 naming ``photo``."""
    if not raw:
        raise BadRequest("请选择一张照片", code="bad_photo", field="photo")
    return await asyncio.to_thread(_card_jpeg, raw)
