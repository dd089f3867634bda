"""Pictures kept by relief (evidence, recipients' signatures and photos): checked before they are stored.

A file is accepted only if its declared type is an image, it is at most 8 MB and its bytes decode as
an image (Pillow); it is stored under a generated name (``core.relief.models.upload_*``), never the
uploader's. (The product's shared upload kit replaces this module once it lands.)
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image

MAX_IMAGE_BYTES = 8 * 1024 * 1024
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def check_image(upload: UploadedFile, field: str) -> None:
    """Raise ValidationError on ``field`` unless ``upload`` is a JPEG/PNG/WebP picture up to 8 MB."""
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise ValidationError({field: ["图片超过8MB / the picture is larger than 8 MB"]})
    declared = (getattr(upload, "content_type", "") or "").lower()
    if declared and not declared.startswith("image/"):
        raise ValidationError({field: ["请上传图片（JPG、PNG 或 WebP）/ upload a picture"]})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for bytes that are not a picture
        raise ValidationError({field: ["文件不是有效图片 / the file is not a valid picture"]}) from None
    finally:
        upload.seek(0)
    if kind not in ALLOWED_FORMATS:
        raise ValidationError({field: ["仅支持 JPG、PNG 或 WebP 图片 / only JPEG, PNG or WebP"]})
