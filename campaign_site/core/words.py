"""Counts in words for staff pages and messages: "1 person", "2 people", "0 sessions"."""


def count_of(number: int, singular: str, plural: str = "") -> str:
    """`count_of(1, "person", "people")` is "1 person"; the plural defaults to singular + s."""
    noun = singular if number == 1 else (plural or f"{singular}s")
    return f"{number:,} {noun}"
