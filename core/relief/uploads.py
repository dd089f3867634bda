"""Pictures kept by relief (evidence, recipients' signatures and photos) go through the product's one
upload kit (``core.uploads.clean_image``): verified, re-encoded without EXIF/GPS or appended bytes,
stored under a generated name. ``check_image`` returns the clean file to store instead of the upload.
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from core.uploads import clean_image

MAX_IMAGE_BYTES = 8 * 1024 * 1024


def check_image(upload, field: str) -> ContentFile:
    """The re-encoded picture to store; raises ValidationError on ``field`` for a non-picture or one
    over 8 MB (docs/security.md, uploads)."""
    return clean_image(upload, field=field, max_bytes=MAX_IMAGE_BYTES)
