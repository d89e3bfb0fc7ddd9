"""Where places are, for "find a session near you": postcode outward codes on the British
National Grid.

The centres come from Ordnance Survey's Code-Point Open (see events/data/README.md and the
`build_outward_codes` command): each outward code ("DE22") is the average of its
postcodes' eastings and northings, in metres. Distance is the straight line between two
grid points, which over the few tens of miles that matter here is within a fraction of a
mile of the distance on the ground.

A visitor's postcode is only ever reduced to its outward code here; nothing in this
module stores or logs it.
"""

import csv
import functools
import math
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

OUTWARD_CODES_FILE = Path(__file__).parent / "data" / "outward_codes.csv"
METRES_PER_MILE = 1609.344
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025. "
    "Contains Royal Mail data © Royal Mail copyright and database right 2025. "
    "Contains National Statistics data © Crown copyright and database right 2025."
)
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

# The shapes of a UK postcode (as volunteers.validators checks them) and of its first half.
_FULL = re.compile(r"^([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)(\d[ABD-HJLNP-UW-Z]{2})$")
_OUTWARD = re.compile(r"^[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?$")
# Code-Point Open covers Great Britain only: none of these has a centre in it.
_NOT_COVERED = {
    "BT": "Northern Ireland",
    "IM": "the Isle of Man",
    "GY": "Guernsey",
    "JE": "Jersey",
}

GridPoint = tuple[int, int]  # (easting, northing) in metres


@functools.cache
def outward_code_centres() -> dict[str, GridPoint]:
    """Every outward code's centre, read from the data file once per process."""
    with OUTWARD_CODES_FILE.open(newline="", encoding="utf-8") as data:
        return {
            row["outward"]: (int(row["easting"]), int(row["northing"]))
            for row in csv.DictReader(data)
        }


def outward_code_of(text: str) -> str | None:
    """'de22 1aa', 'DE221AA' or 'de22' -> 'DE22'; None for anything not shaped like a UK
    postcode or the first half of one."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if compact == "GIR0AA":  # the one postcode outside the usual pattern (a bank's)
        return "GIR"
    full = _FULL.match(compact)
    if full:
        return full.group(1)
    return compact if _OUTWARD.match(compact) else None


def _area(outward: str) -> str:
    """'DE22' -> 'DE': the postcode area, the letters before the first digit."""
    return re.sub(r"\d.*", "", outward)


def grid_point_of(postcode: str) -> GridPoint | None:
    """Where a postcode's outward code is centred, or None when it is not known."""
    outward = outward_code_of(postcode)
    return outward_code_centres().get(outward) if outward else None


def distance_in_miles(a: GridPoint, b: GridPoint) -> float:
    return math.dist(a, b) / METRES_PER_MILE


def known_outward_codes_pattern() -> str:
    """A regular expression matching exactly the outward codes with a centre (grouped by
    postcode area, so it stays small and quick to match)."""
    areas: dict[str, list[str]] = {}
    for code in outward_code_centres():
        area = _area(code)
        areas.setdefault(area, []).append(code[len(area) :])
    return "|".join(
        f"{area}(?:{'|'.join(sorted(districts, key=lambda d: (-len(d), d)))})"
        for area, districts in sorted(areas.items())
    )


class Found(Enum):
    PLACED = "placed"
    MALFORMED = "malformed"
    NOT_COVERED = "not_covered"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SearchPlace:
    """What a postcode typed into the search box comes to."""

    found: Found
    outward: str = ""
    point: GridPoint | None = None
    region: str = ""  # for NOT_COVERED: where it is


def search_place(text: str) -> SearchPlace:
    outward = outward_code_of(text)
    if outward is None:
        return SearchPlace(found=Found.MALFORMED)
    area = _area(outward)
    if area in _NOT_COVERED:
        return SearchPlace(found=Found.NOT_COVERED, outward=outward, region=_NOT_COVERED[area])
    point = outward_code_centres().get(outward)
    if point is None:
        return SearchPlace(found=Found.UNKNOWN, outward=outward)
    return SearchPlace(found=Found.PLACED, outward=outward, point=point)
