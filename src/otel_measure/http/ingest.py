"""POST handlers: each body goes through the same public call a Python user makes.

Validation, pseudonymisation and rejection counting are therefore the Python API's own.
An input it drops (and counts in ``measure.rejected``) answers 422 with the reasons.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from otel_measure.http.routes import ApiError, Call, Route

__all__ = ["INGEST_ROUTES", "MAX_BATCH"]

_BASE = "/api/v1/metrics"
MAX_BATCH = 1000
_ID = {"type": ["string", "integer"], "description": "The user (pseudonymised on arrival)."}
_NUM = {"type": "number"}
_STR = {"type": "string"}
_ANY = {"description": "Any JSON value."}


def _obj(required: tuple[str, ...], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": props,
            "additionalProperties": False}


EVENT = _obj(("event_name", "user_id"), event_name=_STR, user_id=_ID,
             properties={"type": "object"}, session_id=_STR,
             timestamp={"type": "number", "description": "POSIX seconds."}, revenue=_NUM)
EVENTS = {"oneOf": [EVENT, {"type": "array", "items": EVENT, "minItems": 1,
                            "maxItems": MAX_BATCH}]}
NPS = _obj(("user_id", "score"), user_id=_ID, score={"type": "integer"}, comment=_STR,
           segment=_STR, timestamp={"type": "number"})
ASSIGN = _obj(("user_id",), user_id=_ID)
CONVERSION = _obj(("user_id",), user_id=_ID, value=_NUM)
INFERENCE = _obj(
    ("latency_s",), latency_s=_NUM, input_tokens={"type": "integer"},
    output_tokens={"type": "integer"}, operation=_STR, provider=_STR,
    success={"type": "boolean"}, error_type=_STR, time_to_first_token_s=_NUM,
    cached_input_tokens={"type": "integer"}, prediction=_ANY, label=_ANY)
OUTCOME = _obj(("group", "prediction", "label"), group={"type": ["string", "integer"]},
               prediction=_ANY, label=_ANY)

_lock = threading.Lock()


def _fields(body: Any, schema: Mapping[str, Any], where: str = "body") -> dict[str, Any]:
    """Check the body's shape (an object, required keys, no unknown keys); not its values."""
    if not isinstance(body, dict):
        raise ApiError(422, f"{where} must be a JSON object")
    missing = [k for k in schema["required"] if k not in body]
    unknown = sorted(set(body) - set(schema["properties"]))
    if missing or unknown:
        raise ApiError(422, f"{where}: missing {missing}, unknown {unknown}; allowed fields: "
                       f"{sorted(schema['properties'])}")
    return dict(body)


def _recorded(measure: Any, action: Callable[[], Any]) -> tuple[Any, list[dict[str, Any]]]:
    """Run one recording call; return its result and the rejections it counted.

    Calls are serialised so the rejection counts before and after belong to this call
    (recordings the host application makes at the same moment may still interleave).
    """
    with _lock:
        before = measure.rejections.counts()
        try:
            result = action()
        except ValueError as exc:  # strict=True: the Python API raises instead of counting
            raise ApiError(422, str(exc), reasons=[
                {"reason": getattr(exc, "reason", "") or "invalid", "count": 1}]) from None
        after = measure.rejections.counts()
    new = [{"reason": r, "count": n - before.get(r, 0)}
           for r, n in sorted(after.items()) if n > before.get(r, 0)]
    return result, new


def _once(measure: Any, action: Callable[[], Any]) -> Any:
    result, rejected = _recorded(measure, action)
    if rejected:
        raise ApiError(422, "input rejected by the Python API (counted in measure.rejected)",
                       reasons=rejected)
    return result


def _events(measure: Any, call: Call) -> dict[str, Any]:
    batch = call.body if isinstance(call.body, list) else None
    items = [call.body] if batch is None else batch
    if batch is not None and not 1 <= len(batch) <= MAX_BATCH:
        raise ApiError(422, f"a batch holds 1 to {MAX_BATCH} events, not {len(batch)}")
    track = measure.analytics.track_event
    if batch is None:
        kwargs = _fields(call.body, EVENT)
        _once(measure, lambda: track(**kwargs))
        return {"accepted": 1}
    rejected: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            kwargs = _fields(item, EVENT, f"events[{index}]")
            _once(measure, lambda kwargs=kwargs: track(**kwargs))  # type: ignore[misc]
        except ApiError as exc:
            rejected.append({"index": index, "message": exc.message, **exc.extra})
    if rejected:
        raise ApiError(422, f"{len(rejected)} of {len(items)} events rejected",
                       accepted=len(items) - len(rejected), rejected=rejected)
    return {"accepted": len(items)}


def _nps(measure: Any, call: Call) -> dict[str, Any]:
    kwargs = _fields(call.body, NPS)
    _once(measure, lambda: measure.analytics.record_nps_response(**kwargs))
    return {"accepted": 1}


def _assign(measure: Any, call: Call) -> dict[str, Any]:
    user_id = _fields(call.body, ASSIGN)["user_id"]
    name = call.path["name"]
    variant = _once(measure, lambda: measure.analytics.assign_variant(name, user_id))
    if variant is None:  # rejected without a count (a closed domain)
        raise ApiError(422, f"no variant for this user in test {name!r}")
    return {"test": name, "variant": variant}


def _conversion(measure: Any, call: Call) -> dict[str, Any]:
    kwargs = _fields(call.body, CONVERSION)
    name = call.path["name"]
    _once(measure, lambda: measure.analytics.record_conversion(name, **kwargs))
    return {"accepted": 1}


def _inference(measure: Any, call: Call) -> dict[str, Any]:
    kwargs = _fields(call.body, INFERENCE)
    model = call.path["model"]
    _once(measure, lambda: measure.models.record_inference(model, **kwargs))
    return {"accepted": 1}


def _outcome(measure: Any, call: Call) -> dict[str, Any]:
    kwargs = _fields(call.body, OUTCOME)
    model = call.path["model"]
    _once(measure, lambda: measure.models.observe_outcome(model, **kwargs))
    return {"accepted": 1}


INGEST_ROUTES: tuple[Route, ...] = (
    Route("POST", f"{_BASE}/analytics/events", _events,
          "Track one event or a batch (track_event).", "analytics", body=EVENTS, success=202),
    Route("POST", f"{_BASE}/analytics/nps", _nps,
          "Record an NPS answer (record_nps_response).", "analytics", body=NPS, success=202),
    Route("POST", f"{_BASE}/analytics/ab-tests/{{name}}/assign", _assign,
          "Assign the user a variant and return it (assign_variant).", "analytics",
          body=ASSIGN),
    Route("POST", f"{_BASE}/analytics/ab-tests/{{name}}/conversions", _conversion,
          "Convert an exposed user (record_conversion).", "analytics", body=CONVERSION,
          success=202),
    Route("POST", f"{_BASE}/models/{{model}}/inferences", _inference,
          "Record one timed call (record_inference).", "models", body=INFERENCE, success=202),
    Route("POST", f"{_BASE}/models/{{model}}/outcomes", _outcome,
          "Count one labelled outcome for fairness (observe_outcome).", "models",
          body=OUTCOME, success=202),
)
