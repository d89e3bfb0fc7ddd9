"""The one hand-off from services to the Celery workers.

Services name the task by its dotted path rather than import it
(`"volunteers.tasks.update_fan_out_task"`), so a service never imports the tasks module that imports
it back: no service <-> task cycles. The module is imported when the task is first sent.

A broker outage is handled here, once: the hand-off is logged and dropped, never raised
after the caller's transaction has committed (the request that caused it already
succeeded). So is any other failure to hand off (a broken install, a message the transport
refuses): it is logged as an error with its traceback. Every task handed off this way has a
periodic sweep that finds the rows it would have handled (unsent outbox rows, stalled
fan-outs, sessions whose alerts are due), so the work waits in the database until the
broker is back.
"""

import logging
import socket
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

BROKER_OUTAGE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, socket.error)


def enqueue_now(task_name: str, *args: Any, countdown: int | None = None) -> bool:
    """Send the task to the workers straight away (a task scheduling its own retry, a sweep).
    Returns False when the broker is unreachable; the sweep picks the work up later."""
    task = import_string(task_name)
    try:
        task.apply_async(args=args, countdown=countdown)
    except BROKER_OUTAGE as exc:
        logger.warning("Broker unavailable (%s): %s left for the sweep", exc, task_name)
        return False
    except Exception:
        # Not an outage, so someone must look (it reaches the logs and Sentry), but the
        # write it follows has committed: the sweep does the work once the fault is fixed.
        logger.exception("Could not hand %s to the workers: left for the sweep", task_name)
        return False
    return True


def enqueue_after_commit(task_name: str, *args: Any) -> None:
    """Send `task_name(*args)` to the workers once the current transaction commits (at once
    outside one). Arguments are ids and plain values, never model instances."""
    transaction.on_commit(lambda: enqueue_now(task_name, *args))
