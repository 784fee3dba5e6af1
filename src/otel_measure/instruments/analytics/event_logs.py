"""Accepted analytics events as OpenTelemetry log records (``events_as_logs``).

One record per accepted ``track_event``, shaped as an OpenTelemetry *event*: the event
name goes in the record's ``EventName`` field (the ``event.name`` attribute is deprecated
for log records), severity INFO, no body. Attributes:

- ``user.hash``: the HMAC pseudonym the domain stores; the raw user id never arrives here;
- ``session.id``: the session id the application passed, when it passed one;
- ``measure.event.revenue`` and ``measure.event.currency`` (``USD``) for revenue events;
- ``measure.event.property.<key>`` for each key of ``event_log_properties`` present in
  the event's properties, when its value is a bool, an int64, a float or a str of at most
  1024 characters that encodes to UTF-8 (anything else would fail the OTLP encoding of the
  whole batch, so it is left out).

The timestamp is the event's own (left unset, the observed time then stands, when it is
before 1970 or past 2262); trace and span ids are the active span's, if any. Emitting
never raises into the application: a failure is logged once and the record dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from opentelemetry._logs import Logger, SeverityNumber

from otel_measure.names.attributes import (
    ATTR_EVENT_CURRENCY,
    ATTR_EVENT_PROPERTY_PREFIX,
    ATTR_EVENT_REVENUE,
    ATTR_SESSION_ID,
    ATTR_USER_HASH,
)

__all__ = ["CURRENCY", "EventLogEmitter", "loggable_value"]

_log = logging.getLogger("otel_measure")

CURRENCY = "USD"  # track_event(revenue=...) is in USD
_MAX_STR = 1024
_INT64 = 1 << 63
_MAX_NANOS = (1 << 63) / 1e9  # seconds: past this, nanoseconds overflow int64 consumers


def loggable_value(value: object) -> bool:
    """Whether a property value can go on a log record as it is (see the module doc)."""
    cls = type(value)
    if cls is bool or cls is float:
        return True
    if cls is int:
        return -_INT64 <= value < _INT64  # type: ignore[operator]
    if cls is str:
        if len(value) > _MAX_STR:  # type: ignore[arg-type]
            return False
        try:
            value.encode()  # type: ignore[attr-defined]
        except UnicodeEncodeError:
            return False
        return True
    return False


class EventLogEmitter:
    """Turns accepted events into log records on ``logger``.

    Args:
        logger: Logger of the private event ``LoggerProvider`` (its processor batches and
            exports).
        properties: Property keys copied onto records; other properties are left out.
    """

    __slots__ = ("_failed", "_keys", "_logger")

    def __init__(self, logger: Logger, properties: Iterable[str] = ()) -> None:
        self._logger = logger
        self._keys = tuple((key, ATTR_EVENT_PROPERTY_PREFIX + key) for key in properties)
        self._failed = False

    def emit(
        self,
        name: str,
        pseudonym: str,
        t: float,
        session_id: str | None,
        revenue: float | None,
        properties: Mapping[str, Any] | None,
    ) -> None:
        """Emit one validated event (``pseudonym`` is the stored one, never a raw id)."""
        attributes: dict[str, Any] = {ATTR_USER_HASH: pseudonym}
        if session_id is not None:
            attributes[ATTR_SESSION_ID] = session_id
        if revenue is not None:
            attributes[ATTR_EVENT_REVENUE] = revenue
            attributes[ATTR_EVENT_CURRENCY] = CURRENCY
        if properties and self._keys:
            for key, attribute in self._keys:
                if key in properties and loggable_value(value := properties[key]):
                    attributes[attribute] = value
        try:
            self._logger.emit(
                timestamp=int(t * 1e9) if 0 <= t < _MAX_NANOS else None,
                severity_number=SeverityNumber.INFO,
                attributes=attributes,
                event_name=name,
            )
        except Exception as exc:  # the host's call must go on whatever the SDK does
            if not self._failed:
                self._failed = True
                _log.warning("otel-measure: an event log record could not be emitted (logged "
                             "once; such records are dropped): %r", exc)
