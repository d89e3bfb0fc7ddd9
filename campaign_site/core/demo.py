"""For the demo commands `make run` calls: one summary line each, not a log of the work.

Without Redis, tasks run in-process, and each one (an email sent, an alert fanned out)
logs a line: hundreds of them for the demo sessions alone, burying what a first run says.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def demo_logging_quiet(*, verbosity: int) -> Iterator[None]:
    """Hold back INFO logging while the demo content is made; warnings and errors still
    show. With `-v 2` or more, everything is shown as usual."""
    if verbosity >= 2:
        yield
        return
    before = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(before)
