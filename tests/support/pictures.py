"""Pictures for tests, made here: a photo-like portrait (a face on a gradient, with the fine
grain a camera gives), optionally carrying EXIF with a GPS position, as a phone writes it."""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter
from PIL.PngImagePlugin import PngInfo

GPS_IFD = 0x8825
# Derby Council House, in degrees, minutes, seconds.
GPS = {1: "N", 2: (52.0, 55.0, 19.0), 3: "W", 4: (1.0, 28.0, 34.0)}


def portrait(width: int = 1600, height: int = 2000, seed: int = 7) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a sky-to-wall gradient
        shade = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=(int(90 + 120 * shade), int(130 + 60 * shade), int(190 - 90 * shade)),
        )
    for _ in range(40):  # out-of-focus shapes behind
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(40, 260)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(radius=width / 60))
    draw = ImageDraw.Draw(image)
    cx = width // 2
    draw.ellipse([cx - width // 3, height * 0.55, cx + width // 3, height * 1.3], fill=(40, 50, 70))
    draw.ellipse(
        [cx - width // 6, height * 0.18, cx + width // 6, height * 0.52], fill=(224, 180, 150)
    )
    image = image.filter(ImageFilter.GaussianBlur(radius=2))
    grain = Image.effect_noise((width, height), 18).convert("RGB")
    return Image.blend(image, grain, 0.08)


def with_gps(image: Image.Image) -> Image.Exif:
    exif = image.getexif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif.get_ifd(GPS_IFD).update(GPS)
    return exif


def png_upload(
    name: str = "photo.png", *, gps: bool = True, size=(1000, 1250)
) -> SimpleUploadedFile:
    image = portrait(*size)
    out = io.BytesIO()
    info = PngInfo()
    info.add_text("Comment", "Taken at 52.9220N 1.4761W")
    image.save(out, "PNG", exif=with_gps(image) if gps else None, pnginfo=info)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def jpeg_upload(name: str = "photo.jpg", *, size=(1600, 2000)) -> SimpleUploadedFile:
    image = portrait(*size)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=with_gps(image))
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def logo_upload(name: str = "logo.png") -> SimpleUploadedFile:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([10, 10, 590, 190], radius=40, fill=(164, 22, 26, 255))
    draw.ellipse([40, 40, 160, 160], fill=(251, 247, 242, 255))
    out = io.BytesIO()
    image.save(out, "PNG", exif=with_gps(image))
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
