"""What is committed: no merge or patch leftovers and no editor backups."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEFTOVER_SUFFIXES = (".orig", ".rej", "~")


def leftovers(paths: list[str]) -> list[str]:
    return [path for path in paths if path.endswith(LEFTOVER_SUFFIXES)]


def tracked_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return [path for path in listing.split("\0") if path]


def test_no_merge_leftovers_or_editor_backups_are_tracked():
    tracked = tracked_files()
    assert "manage.py" in tracked  # the listing is of this repository, so the check sees files
    assert leftovers(tracked) == []


def test_the_leftover_check_names_each_kind():
    assert leftovers(
        ["events/views.py.orig", "events/views.py.rej", "events/views.py~", "events/views.py"]
    ) == ["events/views.py.orig", "events/views.py.rej", "events/views.py~"]
