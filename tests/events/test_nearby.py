"""Find a session near you: /events/?postcode=DE22&radius=10.

Distances are between outward-code centres (events/data/outward_codes.csv). From DE22
(Allestree, Derby): DE1 1.3 miles, DE56 6.2, DE4 13.6, NG1 14.7, S1 30.8, LS1 59.7.
"""

import csv
import gzip
import logging
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.geography import (
    OUTWARD_CODES_FILE,
    Found,
    distance_in_miles,
    grid_point_of,
    outward_code_centres,
    outward_code_of,
    search_place,
)
from events.models import Event
from events.services import event_create, event_update
from tests.events.factories import EventFactory, next_saturday_at

pytestmark = pytest.mark.django_db

# Nearest to DE22 first; the weeks ahead are in another order, so date order is not it.
PLACES = [
    ("Canvassing in Derby city centre", "DE1 1AA", 3),
    ("Canvassing in Belper", "DE56 1AA", 1),
    ("Canvassing in Matlock", "DE4 3AG", 4),
    ("Canvassing in Nottingham", "NG1 5FS", 2),
    ("Canvassing in Sheffield", "S1 2HE", 1),
    ("Canvassing in Leeds", "LS1 4DY", 2),
]
NEAREST_FIRST = [title for title, _, _ in PLACES]
ONLINE = "Online phonebank"
UNPLACED = "Canvassing with no postcode"


def text(response) -> str:
    assert response.status_code == 200, response
    return response.content.decode()


def section(page: str, heading_id: str) -> str:
    """The HTML of the results section headed by `heading_id` ('' if there is none)."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def titles(html: str) -> list[str]:
    return re.findall(r'class="event-title"[^>]*><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def sessions():
    for title, postcode, weeks in PLACES:
        EventFactory(title=title, postcode=postcode, starts_at=next_saturday_at(10, weeks=weeks))
    EventFactory(phonebank=True, title=ONLINE, starts_at=next_saturday_at(18, weeks=3))
    EventFactory(title=UNPLACED, postcode="", starts_at=next_saturday_at(14))


def test_in_person_sessions_are_sorted_by_distance(client, sessions):
    page = text(client.get("/events/?postcode=DE22"))

    near = section(page, "near-results-heading")
    assert "Nearest to DE22" in near
    assert titles(near) == NEAREST_FIRST
    distances = re.findall(r'class="event-distance">([^<]+)<', near)
    assert distances[:3] == ["About 1 mile away", "About 6 miles away", "About 14 miles away"]
    # Online and unplaced sessions have their own parts, not a distance.
    assert titles(section(page, "join-from-anywhere")) == [ONLINE]
    assert titles(section(page, "not-placed")) == [UNPLACED]
    assert "Contains OS data © Crown copyright and database right" in page
    assert "Open Government Licence" in page


def test_a_session_in_the_same_district_says_so(client):
    EventFactory(title="Canvassing in Allestree", postcode="DE22 2EY")
    near = section(text(client.get("/events/?postcode=DE22")), "near-results-heading")
    assert titles(near) == ["Canvassing in Allestree"]
    assert "In your postcode district" in near


@pytest.mark.parametrize(
    ("radius", "expected"),
    [
        (5, NEAREST_FIRST[:1]),
        (10, NEAREST_FIRST[:2]),
        (25, NEAREST_FIRST[:4]),
        (50, NEAREST_FIRST[:5]),
        (None, NEAREST_FIRST),
    ],
)
def test_the_radius_limits_in_person_sessions_but_online_ones_are_always_listed(
    client, sessions, radius, expected
):
    url = "/events/?postcode=DE22" + (f"&radius={radius}" if radius else "")
    page = text(client.get(url))

    assert titles(section(page, "near-results-heading")) == expected
    assert titles(section(page, "join-from-anywhere")) == [ONLINE]
    selected = re.search(r'<option value="([^"]*)" selected>', page).group(1)
    assert selected == (str(radius) if radius else "")


def test_nothing_within_the_radius_says_so_and_offers_any_distance(client):
    EventFactory(title="Canvassing in Leeds", postcode="LS1 4DY")
    EventFactory(phonebank=True, title=ONLINE)

    page = text(client.get("/events/?postcode=DE22&radius=5"))

    near = section(page, "near-results-heading")
    assert titles(near) == []
    assert "No sessions in person within 5 miles of DE22 are planned yet." in near
    assert 'href="/events/?postcode=DE22">Show sessions at any distance' in near
    assert titles(section(page, "join-from-anywhere")) == [ONLINE]


def test_the_kind_filter_and_the_month_view_keep_the_search(client, sessions):
    page = text(client.get("/events/?kind=canvass&postcode=DE22&radius=25"))
    assert titles(section(page, "near-results-heading")) == NEAREST_FIRST[:4]
    assert section(page, "join-from-anywhere") == ""  # canvassing only: no phonebank
    assert 'href="/events/?postcode=DE22&amp;radius=25">All sessions' in page
    assert '<input type="hidden" name="kind" value="canvass">' in page

    phonebanks = text(client.get("/events/?kind=phonebank&postcode=DE22"))
    assert titles(section(phonebanks, "near-results-heading")) == []
    assert titles(section(phonebanks, "join-from-anywhere")) == [ONLINE]

    # Belper and Sheffield are one week ahead: their month, nearest first. Five weeks
    # later is always another month.
    later = EventFactory(
        title="Canvassing in Duffield", postcode="DE56 4AA", starts_at=next_saturday_at(10, weeks=6)
    )
    month = f"{next_saturday_at(10, weeks=1):%Y-%m}"
    in_month = text(client.get(f"/events/?postcode=DE22&month={month}"))
    expected = [
        title for title, _, weeks in PLACES if f"{next_saturday_at(10, weeks=weeks):%Y-%m}" == month
    ]
    assert "Canvassing in Belper" in expected
    assert titles(section(in_month, "near-results-heading")) == expected
    assert later.title not in in_month
    # The grid links each day to its first session in the page.
    belper = Event.objects.get(title="Canvassing in Belper").slug
    assert f'<a href="#session-{belper}" class="has-sessions">' in in_month
    assert f'id="session-{belper}"' in in_month
    assert '<input type="hidden" name="month"' in in_month
    assert "postcode=DE22" in re.search(r'<a href="([^"]+)" rel="next"', in_month).group(1)


@pytest.mark.parametrize("typed", ["DE22 1AA", "de221aa", "de22 1aa", "  DE22   1AA ", "de22"])
def test_a_postcode_in_any_form_leads_to_its_outward_code(client, sessions, typed):
    response = client.get("/events/", {"postcode": typed, "radius": "25", "kind": "canvass"})

    assert response.status_code == 302
    assert response["Location"] == "/events/?kind=canvass&postcode=DE22&radius=25"
    page = text(client.get(response["Location"]))
    assert titles(section(page, "near-results-heading")) == NEAREST_FIRST[:4]
    assert 'value="DE22"' in page and "1AA" not in page


def test_an_outward_code_alone_is_searched_without_a_detour(client, sessions):
    response = client.get("/events/?postcode=NG1&radius=5")
    assert titles(section(text(response), "near-results-heading")) == ["Canvassing in Nottingham"]


@pytest.mark.parametrize(
    ("typed", "outward", "message"),
    [
        ("hello", None, "That doesn’t look like a UK postcode."),
        ("DE22 1", None, "That doesn’t look like a UK postcode."),
        ("1234567", None, "That doesn’t look like a UK postcode."),
        ("<b>DE22</b>", None, "That doesn’t look like a UK postcode."),
        ("DE22\x001AA", None, "That doesn’t look like a UK postcode."),
        ("BT1 1AA", "BT1", "We can’t measure distances from Northern Ireland postcodes (BT1)."),
        ("bt9 6ab", "BT9", "We can’t measure distances from Northern Ireland postcodes (BT9)."),
        ("DE80 1AA", "DE80", "We don’t know where DE80 is."),
        # Every Code-Point Open row for BN91 has no position (0, 0): it is left out.
        ("BN91 1AA", "BN91", "We don’t know where BN91 is."),
    ],
)
def test_a_postcode_we_cannot_place_says_so_and_lists_everything(
    client, sessions, typed, outward, message
):
    response = client.get("/events/", {"postcode": typed, "radius": "5"})
    if outward:  # reduced to its outward code first, like any postcode
        assert response.status_code == 302
        assert response["Location"] == f"/events/?postcode={outward}&radius=5"
        response = client.get(response["Location"])
    page = text(response)

    assert message in page
    assert "Below are all the sessions instead." in page
    assert section(page, "near-results-heading") == ""
    # Every upcoming session, by day, as without a search.
    listed = titles(page)
    assert sorted(listed) == sorted([*NEAREST_FIRST, ONLINE, UNPLACED])
    assert re.search(r'<h2 id="day-', page)
    # What was typed stays in the box to correct (escaped); the kind links drop it.
    box = re.search(r'<input type="text" id="near-postcode"[^>]*>', page).group(0)
    assert 'aria-describedby="near-problem near-help"' in box
    if outward is None:
        assert 'aria-invalid="true"' in box
        assert "<b>" not in box
    else:
        assert f'value="{outward}"' in box
    assert 'href="/events/?kind=canvass"' in page


def test_a_bad_radius_is_ignored_and_keeps_the_postcode(client, sessions):
    page = text(client.get("/events/?postcode=DE22&radius=7"))
    assert titles(section(page, "near-results-heading")) == NEAREST_FIRST


def test_sessions_are_placed_when_saved_through_their_services():
    event = EventFactory.build(postcode="de561aa", grid_easting=None, grid_northing=None)
    event_create(event=event)
    event.refresh_from_db()
    assert event.postcode == "DE56 1AA"
    assert (event.grid_easting, event.grid_northing) == outward_code_centres()["DE56"]

    event.postcode = "BT1 1AA"  # a real postcode without a centre: no longer placed
    event_update(event=event)
    event.refresh_from_db()
    assert (event.grid_easting, event.grid_northing) == (None, None)

    event.postcode = "NG1 5FS"
    event_update(event=event)
    event.refresh_from_db()
    assert (event.grid_easting, event.grid_northing) == outward_code_centres()["NG1"]


def test_the_search_page_runs_the_same_queries_however_many_sessions(client):
    client.cookies["sessionid"] = "not-a-real-session"  # rendered, not from the page cache

    def count(url: str) -> int:
        client.get(url)  # warm the cached campaign settings
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def make(number: int) -> None:
        start = next_saturday_at(9)
        codes = ["DE1 1AA", "DE56 1AA", "NG1 5FS", "S1 2HE", ""]
        for n in range(number):
            postcode = codes[n % len(codes)]
            point = grid_point_of(postcode) if postcode else None
            Event.objects.create(
                kind=Event.Kind.PHONEBANK if n % 4 == 0 else Event.Kind.CANVASS,
                format=Event.Format.ONLINE if n % 4 == 0 else Event.Format.IN_PERSON,
                online_link="https://meet.example.org/room" if n % 4 == 0 else "",
                title=f"Session {n}",
                slug=f"session-{number}-{n}",
                starts_at=start + timedelta(hours=3 * n),
                ends_at=start + timedelta(hours=3 * n + 2),
                status=Event.Status.PUBLISHED,
                place_name="Hall",
                postcode=postcode,
                grid_easting=point[0] if point else None,
                grid_northing=point[1] if point else None,
            )

    month = f"{next_saturday_at(9):%Y-%m}"
    urls = [
        "/events/?postcode=DE22",
        "/events/?postcode=DE22&radius=25&kind=canvass",
        f"/events/?postcode=DE22&month={month}",
    ]
    make(5)
    few = [count(url) for url in urls]
    Event.objects.all().delete()
    make(300)
    many = [count(url) for url in urls]
    print(f"\nqueries with 5 sessions: {few}, with 300: {many}")
    assert few == many
    assert max(many) <= 6, many


def test_the_centres_load_once_per_process():
    assert outward_code_centres() is outward_code_centres()
    assert 2_500 < len(outward_code_centres()) < 3_500


def test_postcode_shapes():
    assert outward_code_of("sw1a 1aa") == "SW1A"
    assert outward_code_of("W1A0AX") == "W1A"
    assert outward_code_of("ec1a") == "EC1A"
    assert outward_code_of("GIR 0AA") == "GIR"
    assert outward_code_of("DE22 1") is None
    assert outward_code_of("QQ1 1AA") is None
    assert search_place("GIR 0AA").found is Found.UNKNOWN
    assert search_place("JE2 3AB").found is Found.NOT_COVERED
    assert round(distance_in_miles(grid_point_of("DE22 1AA"), grid_point_of("NG1 5FS")), 1) == 14.7


def test_the_build_command_averages_each_outward_code_and_drops_unpositioned_rows(tmp_path, capsys):
    source = tmp_path / "CSV"
    source.mkdir()
    (source / "de.csv").write_text(
        "DE22 1AA,10,433000,337000\n"
        "DE22 1AB,10,433101,337200\n"
        "DE22 9ZZ,90,0,0\n"  # no position: dropped
        "DE1  1AA,10,435000,336000\n"  # OS's padded form
    )
    with gzip.open(source / "bn.csv.gz", "wt") as data:
        data.write("BN91 1AA,90,0,0\nBN91 1AB,90,0,0\nBN1 1AA,10,531000,104000\n")
    output = tmp_path / "outward_codes.csv"

    call_command("build_outward_codes", source=source, output=output)

    with output.open() as data:
        rows = list(csv.DictReader(data))
    assert rows == [
        {"outward": "BN1", "easting": "531000", "northing": "104000"},
        {"outward": "DE1", "easting": "435000", "northing": "336000"},
        {"outward": "DE22", "easting": "433050", "northing": "337100"},
    ]
    said = capsys.readouterr().out
    assert "dropped 3 with no position (0, 0)" in said
    assert "Left out 1 outward codes with no positioned postcode: BN91" in said


def test_the_committed_file_has_no_unpositioned_centre():
    with OUTWARD_CODES_FILE.open() as data:
        rows = list(csv.DictReader(data))
    assert len(rows) == len(outward_code_centres())
    assert all(int(row["easting"]) > 0 and int(row["northing"]) > 0 for row in rows)
    assert not any(row["outward"].startswith("BT") for row in rows)


def test_a_postcode_search_is_never_logged(client, sessions, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get("/events/?postcode=DE22+1AA&radius=10", follow=True)
        client.get("/events/?postcode=BT1+1AA", follow=True)
        client.get("/events/?postcode=DE22+1", follow=True)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "1AA" not in logged and "DE22+1" not in logged and "DE22 1" not in logged


def test_the_production_access_log_leaves_out_the_query_string_and_referer():
    """gunicorn's own logger, with the site's settings, on a search request."""
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from campaign_site import gunicorn_conf

    config = Config()
    config.set("access_log_format", gunicorn_conf.access_log_format)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/events/?postcode=DE22+1AA",
        "PATH_INFO": "/events/",
        "QUERY_STRING": "postcode=DE22+1AA",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "http://localhost/events/?postcode=BT1+1AA",
        "HTTP_USER_AGENT": "phone",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = Logger(config).atoms(response, request, environ, timedelta(milliseconds=5))
    line = config.access_log_format % atoms

    assert '"GET /events/ HTTP/1.1" 302' in line
    assert "1AA" not in line and "postcode" not in line


def test_sessions_saved_before_the_grid_fields_are_placed_by_the_migration():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("events.migrations.0002_event_grid_position")
    old = EventFactory(postcode="NG1 5FS", grid_easting=None, grid_northing=None)
    unknown = EventFactory(postcode="DE80 1AA", grid_easting=None, grid_northing=None)

    migration.place_sessions(apps, None)

    old.refresh_from_db()
    unknown.refresh_from_db()
    assert (old.grid_easting, old.grid_northing) == outward_code_centres()["NG1"]
    assert (unknown.grid_easting, unknown.grid_northing) == (None, None)
