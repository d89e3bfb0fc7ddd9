"""Whether another database connection could lock a row right now (it is not locked)."""

import threading

from django.db import OperationalError, connection, transaction


def row_is_free(model, pk) -> bool:
    """True if a second connection can take the row's lock at once (NOWAIT). Needs rows
    committed (transactional tests): the other connection sees only what is committed."""
    result: dict[str, bool] = {}

    def probe():
        try:
            with transaction.atomic():
                result["free"] = model.objects.select_for_update(nowait=True).filter(pk=pk).exists()
        except OperationalError:
            result["free"] = False
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(timeout=30)
    return result["free"]
