"""One kit for every file a user uploads (visit photos, rectification evidence, and later relief
attachments, signatures and report files).

What a user sends is never stored or served as sent:

- ``clean_image`` decodes the bytes with Pillow (refusing anything that is not a JPEG, PNG, WebP,
  GIF, BMP or TIFF picture, and decompression bombs), applies the EXIF orientation, and
  re-encodes the pixels as a fresh JPEG (PNG when the picture has transparency). The new file has
  no metadata — no EXIF, no GPS position — and no trailing bytes (an HTML or script "polyglot"
  appended to a valid picture is dropped). Its name is generated (``<uuid4>.jpg``); the name the
  user gave is never used.
- ``clean_document`` accepts the listed document kinds (PDF, XLSX) recognised by their leading
  bytes, under a generated name.
- ``serve_upload`` answers with a content type the server decides from the stored file's own
  leading bytes (never from the user's name or declared type), ``Content-Disposition`` with a
  safe file name, ``X-Content-Type-Options: nosniff`` and a sandboxing Content-Security-Policy;
  anything not recognised is sent as ``application/octet-stream`` attachment.

Errors are ``django.core.exceptions.ValidationError`` keyed by the form field, Chinese first.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from PIL import Image, ImageOps

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# A phone camera picture is ~12-50 megapixels; anything far beyond is a decompression bomb.
MAX_IMAGE_PIXELS = 80_000_000
# Re-encoded pictures are bounded to this many pixels on the long side (a readable evidence photo).
MAX_IMAGE_SIDE = 4096
JPEG_QUALITY = 85

_ACCEPTED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"}

# Leading bytes -> (extension, content type). The only types ``serve_upload`` ever announces.
_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"%PDF-", "pdf", "application/pdf"),
    (b"PK\x03\x04", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]
DOCUMENT_KINDS = {"pdf", "xlsx"}

FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def generated_name(extension: str) -> str:
    """A fresh random file name with our own extension (``3f2a...c1.jpg``)."""
    return f"{uuid.uuid4().hex}.{extension}"


def _size_label(size: int) -> str:
    return f"{size // (1024 * 1024)}MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)}KB"


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def clean_image(upload, *, field: str = "photo", max_bytes: int = MAX_IMAGE_BYTES) -> ContentFile:
    """Verify an uploaded picture and return it re-encoded, without metadata, under a generated name.

    ``upload``: a Django ``UploadedFile`` (or any file-like with ``read``/``seek``/``size``/``name``).
    Returns a ``ContentFile`` named ``<uuid4>.jpg`` (or ``.png`` for pictures with transparency).
    Raises ``ValidationError({field: [...]})`` for files over ``max_bytes``, non-pictures and
    pictures over ``MAX_IMAGE_PIXELS``.
    """
    label = getattr(upload, "name", "") or "文件"
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _refuse(
            field, f"{label} 超过{_size_label(max_bytes)} / larger than {_size_label(max_bytes)}"
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in _ACCEPTED_IMAGE_FORMATS:
                raise ValueError(probe.format)
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValueError("too many pixels")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                image.mode == "P" and "transparency" in image.info
            )
            image = image.convert("RGBA" if has_alpha else "RGB")
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            out = io.BytesIO()
            if has_alpha:
                image.save(out, format="PNG", optimize=True)
                extension = "png"
            else:
                image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
                extension = "jpg"
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for bytes that are not a picture
        raise _refuse(field, f"{label} 不是有效的图片 / not an image") from None
    finally:
        try:
            upload.seek(0)
        except Exception:  # noqa: BLE001 - a closed upload needs no rewinding
            pass
    return ContentFile(out.getvalue(), name=generated_name(extension))


def clean_images(
    uploads: Iterable, *, field: str = "photos", max_bytes: int = MAX_IMAGE_BYTES
) -> list[ContentFile]:
    """``clean_image`` for each upload; one ``ValidationError`` listing every refused file."""
    cleaned, messages = [], []
    for upload in uploads:
        try:
            cleaned.append(clean_image(upload, field=field, max_bytes=max_bytes))
        except ValidationError as exc:
            messages.extend(exc.message_dict[field])
    if messages:
        raise ValidationError({field: messages})
    return cleaned


def sniff(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of the bytes a file starts with, or None when not one we serve."""
    for signature, extension, content_type in _SIGNATURES:
        if head.startswith(signature):
            return extension, content_type
    return None


def clean_document(
    upload, *, field: str = "file", kinds: Iterable[str] = ("pdf",), max_bytes: int = MAX_DOCUMENT_BYTES
) -> ContentFile:
    """Accept a document of one of ``kinds`` (``"pdf"``, ``"xlsx"``), recognised by its bytes.

    Returns a ``ContentFile`` under a generated name with the kind's extension; raises
    ``ValidationError({field: [...]})`` otherwise. Pictures go through ``clean_image`` instead.
    """
    kinds = set(kinds)
    unknown = kinds - DOCUMENT_KINDS
    if unknown:
        raise ValueError(f"unknown document kinds {sorted(unknown)}")
    label = getattr(upload, "name", "") or "文件"
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _refuse(
            field, f"{label} 超过{_size_label(max_bytes)} / larger than {_size_label(max_bytes)}"
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    found = sniff(data[:16])
    if found is None or found[0] not in kinds:
        allowed = "、".join(sorted(k.upper() for k in kinds))
        raise _refuse(field, f"{label} 不是允许的文件类型（{allowed}） / file type not allowed")
    return ContentFile(data, name=generated_name(found[0]))


def serve_upload(fieldfile, *, download_name: str, inline: bool = True) -> FileResponse:
    """Answer with a stored upload's bytes; the server decides how the browser may treat them.

    ``download_name``: the name offered to the browser without extension (e.g. ``"visit-12-photo-3"``);
    the extension comes from the sniffed type. Files whose bytes are not a type we serve (e.g. a
    file stored before this kit) are sent as ``application/octet-stream`` attachments.
    """
    handle = fieldfile.open("rb")
    head = handle.read(16)
    handle.seek(0)
    found = sniff(head)
    if found is None:
        extension, content_type, inline = "bin", "application/octet-stream", False
    else:
        extension, content_type = found
        inline = inline and content_type.startswith("image/")
    filename = "".join(c for c in download_name if c.isalnum() or c in "-_") or "file"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not inline,
        filename=f"{filename}.{extension}",
    )
    if inline:
        response["Content-Disposition"] = f'inline; filename="{filename}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response
