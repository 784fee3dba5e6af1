"""OpenAPI 3.1 document generated from the route table the server dispatches on."""

from __future__ import annotations

from typing import Any

from otel_measure._version import __version__
from otel_measure.http.routes import Param, Route

__all__ = ["OPENAPI_PATH", "openapi_document"]

OPENAPI_PATH = "/api/v1/openapi.json"

_ERROR = {
    "type": "object",
    "required": ["status", "error", "message"],
    "properties": {"status": {"type": "integer"}, "error": {"type": "string"},
                   "message": {"type": "string"}},
}
_WHY = {400: "Malformed query or body.", 401: "Missing or wrong bearer token.",
        404: "Unknown route, resource, or disabled domain.", 413: "Body over the limit.",
        415: "Body is not application/json.",
        422: "The Python API rejected the input (counted in measure.rejected)."}


def _param(param: Param) -> dict[str, Any]:
    schema: dict[str, Any]
    if param.kind == "number":
        schema = {"type": "number", "exclusiveMinimum": 0}
    elif param.kind == "integer":
        schema = {"type": "integer"}
    elif param.kind == "csv":
        schema = {"type": "string", "pattern": "^[^,]+(,[^,]+)*$"}
    else:
        schema = {"type": "string"}
        if param.enum:
            schema["enum"] = list(param.enum)
    if param.default is not None:
        schema["default"] = param.default
    return {"name": param.name, "in": "query", "required": param.required,
            "description": param.description, "schema": schema}


def _operation(route: Route, public: bool) -> dict[str, Any]:
    codes = [401, 404, 422]
    if route.query:
        codes.append(400)
    if route.body is not None:
        codes += [400, 413, 415]
    content = ({"text/plain": {"schema": {"type": "string"}}} if route.text
               else {"application/json": {"schema": {"type": ["object", "array"]}}})
    responses: dict[str, Any] = {str(route.success): {"description": "OK",
                                                      "content": content}}
    for code in sorted(set(codes)):
        responses[str(code)] = {"description": _WHY[code], "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op: dict[str, Any] = {
        "operationId": route.operation_id, "summary": route.summary, "tags": [route.tag],
        "parameters": [{"name": name, "in": "path", "required": True,
                        "schema": {"type": "string", "minLength": 1}}
                       for name in route.path_params] + [_param(p) for p in route.query],
        "responses": responses,
    }
    if route.body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": route.body}}}
    if route.method == "POST" or public:
        op["security"] = [{"bearer": []}]
    return op


def openapi_document(routes: tuple[Route, ...], public: bool = False) -> dict[str, Any]:
    """Build the document: one operation per route, in table order."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, public)
    return {
        "openapi": "3.1.0",
        "info": {"title": "otel-measure API", "version": __version__,
                 "description": "Queries return the to_dict() of the Python API's results; "
                                "POST bodies use its argument names."},
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
