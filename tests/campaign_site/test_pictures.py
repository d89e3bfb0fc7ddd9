"""The candidate's photo and the campaign's logo: uploaded in admin, checked, stripped of
everything but their pixels, and stored in the sizes the pages and emails use."""

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from campaign_site.core.models import CampaignSettings
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.services import mail_check_send
from tests.support.pictures import GPS_IFD, jpeg_upload, logo_upload, png_upload

pytestmark = pytest.mark.django_db

URL = reverse("admin:campaign_site_campaignsettings_change", args=[1])


def form_data(admin_client, **changes) -> dict:
    form = admin_client.get(URL).context["adminform"].form
    data = {
        name: form[name].value() or ""
        for name in form.fields
        if not name.endswith(("_upload", "_remove"))
    }
    data.update(changes)
    return data


def upload(admin_client, **changes):
    return admin_client.post(URL, form_data(admin_client, **changes))


def errors(response) -> dict:
    return response.context["adminform"].form.errors


class Pictures(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources, self.images = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "source":
            self.sources.append(dict(attrs))
        elif tag == "img":
            self.images.append(dict(attrs))


def parse(html: bytes) -> Pictures:
    found = Pictures()
    found.feed(html.decode())
    return found


def stored(media_root: Path) -> list[Path]:
    return sorted(p for p in media_root.rglob("*") if p.is_file())


def test_a_png_with_gps_comes_out_without_it(admin_client, media_root):
    photo = png_upload()
    with Image.open(io.BytesIO(photo.read())) as original:  # what a phone sends
        assert dict(original.getexif().get_ifd(GPS_IFD))[1] == "N"
        assert "Comment" in original.info
    photo.seek(0)
    response = upload(admin_client, photo_upload=photo, photo_alt="Chris at the market")
    assert response.status_code == 302, errors(response)

    files = stored(media_root)
    assert {f.suffix for f in files} == {".webp", ".jpg"}
    for path in files:
        with Image.open(path) as image:
            image.load()
            assert dict(image.getexif()) == {}, path
            assert dict(image.getexif().get_ifd(GPS_IFD)) == {}, path
            assert not {"exif", "icc_profile", "xmp", "comment", "Comment"} & set(image.info)
        raw = path.read_bytes()
        assert b"Exif" not in raw and b"PhoneMaker" not in raw and b"52.9220N" not in raw
    photo = campaign_settings_get().photo
    assert [size["width"] for size in photo["sizes"]] == [240, 360, 480, 720, 960]
    assert all(size["height"] * 4 == size["width"] * 5 for size in photo["sizes"])


def test_a_phone_photo_is_turned_upright_before_its_exif_goes(admin_client, media_root):
    image = Image.new("RGB", (1500, 1000), (200, 30, 30))  # taken sideways
    exif = image.getexif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to show
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    photo = SimpleUploadedFile("sideways.jpg", out.getvalue(), content_type="image/jpeg")

    assert upload(admin_client, photo_upload=photo, photo_alt="Red").status_code == 302
    # Upright, it is 1000 wide and 1500 tall: tall enough for the 4:5 crop at 960 wide.
    assert campaign_settings_get().photo["sizes"][-1]["width"] == 960


def test_the_home_page_shows_the_photo_in_webp_with_a_jpeg_fallback(admin_client, media_root):
    upload(admin_client, photo_upload=jpeg_upload(), photo_alt="Chris Williamson in Derby")

    page = parse(Client().get("/").content)
    (webp,) = [s for s in page.sources if s.get("type") == "image/webp"]
    (img,) = [i for i in page.images if "hero-photo-img" in i.get("class", "")]
    assert img["alt"] == "Chris Williamson in Derby"
    assert img["width"] and img["height"] and webp["sizes"] == img["sizes"]
    widths = [entry.split()[1] for entry in webp["srcset"].split(", ")]
    assert widths == ["240w", "360w", "480w", "720w", "960w"]
    for candidate in [*webp["srcset"].split(", "), *img["srcset"].split(", ")]:
        url = candidate.split()[0]
        assert url.startswith("/media/campaign/photo-")
        served = Client().get(url)
        assert served.status_code == 200
        assert served["Content-Type"] in {"image/webp", "image/jpeg"}
        assert "immutable" in served["Cache-Control"]


@pytest.mark.parametrize(
    "photo,message",
    [
        (
            SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg"),
            "not a picture we can use",
        ),
        (
            SimpleUploadedFile("photo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "not a picture we can use",
        ),
        (png_upload(size=(300, 400)), "needs at least 480x600"),
        (SimpleUploadedFile("big.jpg", b"\xff" * (10 * 1024 * 1024 + 1)), "the most we take"),
    ],
    ids=["pdf-named-jpg", "svg", "too-small", "over-10-MB"],
)
def test_a_file_that_is_not_a_usable_picture_is_refused(admin_client, media_root, photo, message):
    response = upload(admin_client, photo_upload=photo, photo_alt="Something")

    assert response.status_code == 200
    assert message in " ".join(errors(response)["photo_upload"])
    assert stored(media_root) == []
    assert CampaignSettings.objects.get().photo == {}


def test_a_gif_is_refused(admin_client, media_root):
    out = io.BytesIO()
    Image.new("RGB", (800, 1000), "red").save(out, "GIF")
    photo = SimpleUploadedFile("photo.gif", out.getvalue(), content_type="image/gif")
    response = upload(admin_client, photo_upload=photo, photo_alt="Red")
    assert "JPEG, PNG or WebP" in " ".join(errors(response)["photo_upload"])


def test_a_photo_needs_its_description_and_nothing_is_kept_without_it(admin_client, media_root):
    response = upload(admin_client, photo_upload=jpeg_upload(), photo_alt="")

    assert "Describe the photo" in " ".join(errors(response)["photo_alt"])
    assert stored(media_root) == []


def test_removing_the_photo_deletes_its_files(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    upload(admin_client, photo_upload=jpeg_upload(), photo_alt="Chris")
    assert stored(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, photo_remove="on")

    assert response.status_code == 302, errors(response)
    assert stored(media_root) == []
    assert "hero-photo" not in Client().get("/").content.decode()


def test_emails_show_the_logo_from_site_url(admin_client, media_root, settings):
    settings.SITE_URL = "https://chris.example.org"
    response = upload(admin_client, logo_upload=logo_upload(), logo_alt="Chris Williamson 2026")
    assert response.status_code == 302, errors(response)

    email = mail_check_send(to="organiser@example.org", requested_by="organiser")

    images = parse(email.body_html.encode()).images
    (logo,) = images
    assert logo["src"].startswith("https://chris.example.org/media/campaign/logo-")
    assert logo["alt"] == "Chris Williamson 2026"
    assert (int(logo["width"]), int(logo["height"])) == (168, 56)
    kept = [p for p in stored(media_root) if p.suffix == ".png"]
    assert len(kept) == 2
    for path in kept:
        with Image.open(path) as image:
            assert image.mode == "RGBA"  # transparency kept
            assert dict(image.getexif()) == {}
    assert Client().get(logo["src"].removeprefix(settings.SITE_URL)).status_code == 200


def test_media_are_not_served_by_the_site_when_they_live_elsewhere(admin_client, settings):
    upload(admin_client, photo_upload=jpeg_upload(), photo_alt="Chris")
    url = campaign_settings_get().photo_sizes[0]["jpeg_url"]
    settings.MEDIA_SERVE = False
    assert Client().get(url).status_code == 404


def test_a_photo_full_of_fine_detail_stays_light_for_phones(admin_client, media_root):
    """Leaves, crowds, brickwork: the sizes a phone loads are saved at a lower quality
    until each weighs under the page budget's 80 KB."""
    grain = Image.merge("RGB", [Image.effect_noise((480, 600), 90).convert("L") for _ in "rgb"])
    detail = Image.effect_mandelbrot((480, 600), (-2, -1.2, 0.8, 1.2), 200).convert("RGB")
    busy = Image.blend(detail, grain, 0.35)
    usual = io.BytesIO()
    busy.save(usual, "WEBP", quality=72, method=6)
    assert usual.tell() > 80 * 1024  # at the usual quality it would be too heavy
    out = io.BytesIO()
    busy.save(out, "PNG")
    photo = SimpleUploadedFile("crowd.png", out.getvalue(), content_type="image/png")

    assert upload(admin_client, photo_upload=photo, photo_alt="A crowd").status_code == 302

    (size,) = campaign_settings_get().photo["sizes"][-1:]
    assert size["width"] == 480
    for name in (size["webp"], size["jpeg"]):
        assert (media_root / name).stat().st_size < 80 * 1024, name
