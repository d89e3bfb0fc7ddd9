"""Drawing a share image: 1200x630 PNG in the campaign's colours (static/css/site.css).

The words are set in DejaVu Sans, shipped in campaign_site/core/fonts/ (from the npm
package dejavu-fonts-ttf 2.37.3, free licence in LICENSE-DejaVu), so an image looks the same
on every machine whatever fonts it has installed, and its version hash stays true.
"""

import functools
import io
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont, ImageOps

if TYPE_CHECKING:
    from campaign_site.core.models import CampaignSettings


class Drawable(Protocol):
    """What of a share card is drawn (campaign_site.core.share.ShareCard)."""

    headline: str
    eyebrow: str
    lines: tuple[str, ...]
    progress_percent: int | None


WIDTH, HEIGHT = 1200, 630
FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"

RED = (164, 22, 26)  # --campaign-red
RED_DARK = (122, 16, 19)  # --campaign-red-dark
CREAM = (251, 247, 242)  # --campaign-cream
WHITE = (255, 255, 255)
PINK = (243, 230, 230)  # the progress bar's track

MARGIN = 56
IMPRINT_BAND = 76
PHOTO_HEIGHT = HEIGHT - IMPRINT_BAND
PHOTO_WIDTH = PHOTO_HEIGHT * 4 // 5


@functools.lru_cache(maxsize=32)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines of `text` no wider than `width` (a word wider than that is cut)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while font.getlength(word) > width:
                cut = len(word)
                while cut > 1 and font.getlength(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        if line:
            lines.append(line)
    return lines


def _fit(
    text: str, path: Path, width: int, *, sizes: range, max_lines: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which `text` fits in `max_lines`; at the smallest, the last
    line ends in an ellipsis."""
    for size in sizes:
        font = _font(path, size)
        lines = _wrap(text, font, width)
        whole_words = all(font.getlength(word) <= width for word in text.split())
        if len(lines) <= max_lines and whole_words:
            return font, lines
    lines = lines[:max_lines]
    last = lines[-1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1].rstrip()
    lines[-1] = last + "…"
    return font, lines


def _photo(campaign: "CampaignSettings") -> Image.Image | None:
    sizes = campaign.photo.get("sizes", [])
    if not sizes:
        return None
    best = next((s for s in sizes if s["width"] >= PHOTO_WIDTH), sizes[-1])
    try:
        with default_storage.open(best["jpeg"]) as stored:
            image = Image.open(stored)
            image.load()
    except OSError:
        return None
    return ImageOps.fit(image.convert("RGB"), (PHOTO_WIDTH, PHOTO_HEIGHT), Image.LANCZOS)


def share_image_draw(card: Drawable, *, campaign: "CampaignSettings") -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), RED)
    draw = ImageDraw.Draw(image)
    photo = _photo(campaign)
    left = WIDTH - PHOTO_WIDTH
    if photo is not None:
        image.paste(photo, (left, 0))
    else:  # no photo yet: the candidate's name (or, beside it, the slogan) in its place
        draw.rectangle([left, 0, WIDTH, PHOTO_HEIGHT], CREAM)
        named = card.headline == campaign.candidate_name
        font, lines = _fit(
            (campaign.slogan or campaign.tagline) if named else campaign.candidate_name,
            BOLD,
            PHOTO_WIDTH - 2 * MARGIN,
            sizes=range(56, 27, -4),
            max_lines=5,
        )
        seat = _font(REGULAR, 28)
        seat_lines = (
            [] if named else _wrap(campaign.constituency, seat, PHOTO_WIDTH - 2 * MARGIN)[:2]
        )
        block = len(lines) * int(font.size * 1.15) + 16 + len(seat_lines) * 38
        y = (PHOTO_HEIGHT - block) // 2
        for line in lines:
            draw.text((left + MARGIN, y), line, font=font, fill=RED)
            y += int(font.size * 1.15)
        y += 16
        for line in seat_lines:
            draw.text((left + MARGIN, y), line, font=seat, fill=RED_DARK)
            y += 38
    draw.rectangle([left - 8, 0, left - 1, PHOTO_HEIGHT], CREAM)
    text_width = left - 8 - 2 * MARGIN

    y = MARGIN - 4
    if card.eyebrow:
        font, lines = _fit(
            card.eyebrow.upper(), BOLD, text_width, sizes=range(26, 17, -2), max_lines=1
        )
        draw.text((MARGIN, y), lines[0], font=font, fill=CREAM)
        y += font.size + 22
    room = PHOTO_HEIGHT - y - MARGIN
    facts = [line for line in card.lines if line]
    facts_height = 0
    fact_font = _font(REGULAR, 30)
    fact_lines: list[str] = []
    for line in facts:
        fact_lines += _wrap(line, fact_font, text_width)[:2]
    fact_lines = fact_lines[:4]
    facts_height = len(fact_lines) * 42 + (54 if card.progress_percent is not None else 0)
    headline_lines = 3 if facts_height < room - 200 else 2
    font, lines = _fit(
        card.headline, BOLD, text_width, sizes=range(68, 39, -4), max_lines=headline_lines
    )
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=WHITE)
        y += int(font.size * 1.18)
    y += 18
    if card.progress_percent is not None:
        bar = [MARGIN, y + 6, MARGIN + text_width, y + 34]
        draw.rounded_rectangle(bar, radius=14, fill=PINK, outline=WHITE, width=2)
        percent = max(0, min(100, card.progress_percent))
        filled = percent * (text_width - 4) // 100
        if percent:  # a sliver shows even at 1%
            inner = [MARGIN + 2, y + 8, MARGIN + 2 + max(filled, 24), y + 32]
            draw.rounded_rectangle(inner, radius=12, fill=RED_DARK)
        y += 54
    for line in fact_lines:
        if y + 34 > PHOTO_HEIGHT - 16:
            break
        draw.text((MARGIN, y), line, font=fact_font, fill=WHITE)
        y += 42

    # The imprint the law asks of election material, on every image.
    draw.rectangle([0, PHOTO_HEIGHT, WIDTH, HEIGHT], RED_DARK)
    font, lines = _fit(
        campaign.imprint, REGULAR, WIDTH - 2 * MARGIN, sizes=range(20, 13, -1), max_lines=2
    )
    line_height = font.size + 6
    top = PHOTO_HEIGHT + (IMPRINT_BAND - line_height * len(lines)) // 2 + 2
    for number, line in enumerate(lines):
        draw.text((MARGIN, top + number * line_height), line, font=font, fill=CREAM)

    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
