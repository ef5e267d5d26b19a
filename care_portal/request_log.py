"""One log line per request, with a request id that follows it through every node's logs.

`RequestIdMiddleware` (first in the chain) takes the `X-Request-ID` the reverse proxy sent when
it is a plain token, or makes one, sends it back in the response's `X-Request-ID`, stamps it on
every record logged while the request runs, and logs the request once it is answered (logger
`care_portal.requests`, INFO: method, path, status, duration, the CPU time this request
took in its thread (the portal's own work, the database's apart), the person's id). With
`CARE_LOG_FORMAT=json`, `JSONFormatter` prints each record as one JSON object on one line.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.signals import request_finished

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_request_id: ContextVar[str] = ContextVar("care_request_id", default="")

logger = logging.getLogger("care_portal.requests")


def current_request_id() -> str:
    """The id of the request being answered in this thread, or "" outside a request."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (as `request_id`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


# The attributes every LogRecord has: what is not among them was given through `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message, request id,
    the fields given through `extra=`, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _ACCEPTED_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed: Django logs a 4xx or 5xx after the middleware.
        _request_id.set(request_id)
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "cpu_ms": round((time.thread_time() - cpu_started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


def _forget_request_id(**kwargs) -> None:
    _request_id.set("")


request_finished.connect(_forget_request_id, dispatch_uid="care_request_id")
