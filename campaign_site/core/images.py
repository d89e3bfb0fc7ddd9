"""Pictures organisers upload (the candidate's photo, the campaign's logo).

An upload is checked before anything is kept: its size, that it really is a JPEG, PNG or
WebP picture (by its content, not its name), and its dimensions. What is kept is never the
uploaded file: the pixels are copied into a new image (turned upright first, as the camera
said), so nothing else of the original survives (EXIF, GPS position, camera, comments,
colour profiles), then saved in the sizes the pages and emails use, under names made from
the picture itself, so a browser may keep them for good.
"""

import contextlib
import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel camera; larger is refused before it is decoded
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")

# The photo is shown as a 4:5 portrait; these are the widths in its srcset.
PHOTO_RATIO = (4, 5)
PHOTO_WIDTHS = (240, 360, 480, 720, 960)
# What a phone loads (up to 480 wide at 3x) stays under the page budget's 80 KB.
PHONE_WIDTH, PHONE_MAX_BYTES, PHOTO_MAX_BYTES = 480, 76 * 1024, 190 * 1024
# The logo keeps its shape, at most this tall in an email (twice that kept for sharp screens).
LOGO_EMAIL_HEIGHT = 56
LOGO_MAX_WIDTH = 240


@dataclass(frozen=True)
class PictureRules:
    what: str
    min_width: int
    min_height: int


PHOTO_RULES = PictureRules(what="photo", min_width=480, min_height=600)
LOGO_RULES = PictureRules(what="logo", min_width=64, min_height=32)

NOT_A_PICTURE = "This file is not a picture we can use. Upload a JPEG, PNG or WebP image."


def picture_check(upload: UploadedFile, *, rules: PictureRules) -> Image.Image:
    """The uploaded picture, decoded and upright, or a ValidationError saying what is wrong."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; the most we take is "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB. Save a smaller copy and upload that."
        )
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The most we take is {MAX_UPLOAD_BYTES // 1024 // 1024} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise ValidationError(NOT_A_PICTURE)
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(
                        f"This picture is {width}x{height} pixels, larger than we take: "
                        "save a copy under 40 megapixels."
                    )
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(NOT_A_PICTURE) from None
    except Image.DecompressionBombWarning:
        raise ValidationError("This picture is larger than we take.") from None
    image = ImageOps.exif_transpose(image)
    if image.width < rules.min_width or image.height < rules.min_height:
        raise ValidationError(
            f"This picture is {image.width}x{image.height} pixels; a {rules.what} needs at "
            f"least {rules.min_width}x{rules.min_height} so it stays sharp."
        )
    return image


def _pixels_only(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """A new image with the picture's pixels in sRGB and nothing else from the file."""
    profile = image.info.get("icc_profile")
    if profile:
        # An unreadable profile: the pixels are used as they are.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            image = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB",
            )
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if keep_alpha and has_alpha:
        image = image.convert("RGBA")
    elif has_alpha:
        backdrop = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(backdrop, image.convert("RGBA")).convert("RGB")
    else:
        image = image.convert("RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str, *, max_bytes: int | None = None) -> bytes:
    """The image as `fmt`; a photo with much fine detail is saved at a lower quality, step by
    step, until it weighs at most `max_bytes` (or the lowest quality is reached)."""
    for quality in (72, 62, 52, 42) if max_bytes else (72,):
        out = io.BytesIO()
        if fmt == "WEBP":
            image.save(out, "WEBP", quality=quality, method=6)
        elif fmt == "JPEG":
            image.save(out, "JPEG", quality=quality + 6, optimize=True, progressive=True)
        else:
            image.save(out, "PNG", optimize=True)
            break
        if max_bytes is None or out.tell() <= max_bytes:
            break
    return out.getvalue()


def _store(name: str, content: bytes) -> str:
    if default_storage.exists(name):  # named by content: the same picture again
        return name
    return default_storage.save(name, ContentFile(content))


def _key(image: Image.Image) -> str:
    return hashlib.sha256(image.tobytes()).hexdigest()[:16]


def photo_store(image: Image.Image) -> dict:
    """Save the photo as a 4:5 portrait in every srcset width, WebP and JPEG; returns what
    the pages need: {"key", "sizes": [{"width", "height", "webp", "jpeg"}]}."""
    clean = _pixels_only(image, keep_alpha=False)
    across, down = PHOTO_RATIO
    width = min(clean.width, clean.height * across // down, PHOTO_WIDTHS[-1])
    # Faces sit in the upper part of most portraits: crop a little above the middle.
    portrait = ImageOps.fit(
        clean,
        (width, width * down // across),
        method=Image.Resampling.LANCZOS,
        centering=(0.5, 0.35),
    )
    key = _key(portrait)
    sizes = []
    for target in [w for w in PHOTO_WIDTHS if w <= portrait.width] or [portrait.width]:
        size = (target, target * down // across)
        resized = portrait if size == portrait.size else portrait.resize(size, Image.LANCZOS)
        base = f"campaign/photo-{key}-{target}"
        cap = PHONE_MAX_BYTES if target <= PHONE_WIDTH else PHOTO_MAX_BYTES
        sizes.append(
            {
                "width": size[0],
                "height": size[1],
                "webp": _store(f"{base}.webp", _encode(resized, "WEBP", max_bytes=cap)),
                "jpeg": _store(f"{base}.jpg", _encode(resized, "JPEG", max_bytes=cap)),
            }
        )
    return {"key": key, "sizes": sizes}


def logo_store(image: Image.Image) -> dict:
    """Save the logo as PNG (transparency kept) at email size and twice that:
    {"key", "width", "height", "png", "png_2x"} (width and height as shown)."""
    clean = _pixels_only(image, keep_alpha=True)
    scale = min(LOGO_EMAIL_HEIGHT / clean.height, LOGO_MAX_WIDTH / clean.width, 1)
    shown = (max(1, round(clean.width * scale)), max(1, round(clean.height * scale)))
    double = (min(clean.width, shown[0] * 2), min(clean.height, shown[1] * 2))
    key = _key(clean)
    one = clean.resize(shown, Image.LANCZOS)
    two = clean if double == clean.size else clean.resize(double, Image.LANCZOS)
    return {
        "key": key,
        "width": shown[0],
        "height": shown[1],
        "png": _store(f"campaign/logo-{key}-{shown[0]}.png", _encode(one, "PNG")),
        "png_2x": _store(f"campaign/logo-{key}-{double[0]}.png", _encode(two, "PNG")),
    }


def stored_pictures_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def picture_files(stored: dict) -> list[str]:
    """Every file a stored photo or logo is made of."""
    names = [stored[k] for k in ("png", "png_2x") if stored.get(k)]
    for size in stored.get("sizes", []):
        names += [size["webp"], size["jpeg"]]
    return names
