def unfolded(content: bytes | str) -> str:
    """iCalendar text with folded lines joined and escapes removed, to search in."""
    text = content.decode() if isinstance(content, bytes) else content
    text = text.replace("\r\n ", "")
    return text.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")
