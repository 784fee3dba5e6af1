"""A local stand-in for the OpenAI and Anthropic HTTP APIs (JSON and server-sent events).

The real ``openai`` and ``anthropic`` clients talk to it through ``base_url``; nothing
leaves the machine. The bodies follow the providers' API references: chat completions
(plain, streamed with and without ``stream_options.include_usage``, tool calls), the
Responses API, embeddings, and Anthropic messages (plain, streamed, tool use). Usage is
fixed so tests can check it: OpenAI reports 12 prompt tokens (4 of them cached) and 5
completion tokens; Anthropic 10 uncached input tokens, 6 read from and 3 written to the
prompt cache, and 7 output tokens. The response model is the requested one with a
``-2026-01-01`` suffix. :meth:`StandInLLM.fail_next` queues HTTP errors (sent with
``retry-after-ms: 1`` so client retries are immediate); the model ``stand-in-slow``
answers only once :attr:`StandInLLM.release` is set (or after 5 s).
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["SLOW_MODEL", "StandInLLM"]

SLOW_MODEL = "stand-in-slow"
_TEXT = ("Hello", " from", " the stand-in.")
_CREATED = 1_700_000_000
_OPENAI_USAGE = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
                 "prompt_tokens_details": {"cached_tokens": 4}}
_RESPONSES_USAGE = {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 4},
                    "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0},
                    "total_tokens": 17}
_ANTHROPIC_USAGE = {"input_tokens": 10, "output_tokens": 7, "cache_read_input_tokens": 6,
                    "cache_creation_input_tokens": 3}
_ARGS = '{"city": "Paris"}'
Event = tuple[str | None, Any]  # (SSE event name, JSON data)


def _tool_name(body: dict[str, Any]) -> str | None:
    tools = body.get("tools") or []
    if not tools:
        return None
    tool = tools[0]
    name = tool.get("name") or (tool.get("function") or {}).get("name")
    return str(name) if name else "tool"


def _chat(body: dict[str, Any], model: str) -> Any:
    tool = _tool_name(body)
    message: dict[str, Any] = {"role": "assistant", "content": "".join(_TEXT), "refusal": None}
    if tool is not None:
        message = {"role": "assistant", "content": None, "refusal": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": _ARGS}}]}
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": _CREATED, "model": model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "stop" if tool is None else "tool_calls"}],
            "usage": _OPENAI_USAGE}


def _chat_events(body: dict[str, Any], model: str) -> Iterator[Event]:
    usage = bool((body.get("stream_options") or {}).get("include_usage"))
    tool = _tool_name(body)

    def chunk(delta: dict[str, Any], finish: str | None = None) -> Event:
        data: dict[str, Any] = {
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": _CREATED,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if usage:
            data["usage"] = None
        return None, data

    yield chunk({"role": "assistant", "content": ""})
    if tool is None:
        for piece in _TEXT:
            yield chunk({"content": piece})
    else:
        yield chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                     "function": {"name": tool, "arguments": ""}}]})
        for piece in ('{"city": ', '"Paris"}'):
            yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    yield chunk({}, "stop" if tool is None else "tool_calls")
    if usage:
        yield None, {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": _CREATED,
                     "model": model, "choices": [], "usage": _OPENAI_USAGE}
    yield None, "[DONE]"


def _response(body: dict[str, Any], model: str, done: bool = True) -> dict[str, Any]:
    tool = _tool_name(body)
    item: dict[str, Any] = {
        "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": "".join(_TEXT), "annotations": []}]}
    if tool is not None:
        item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": tool,
                "arguments": _ARGS, "status": "completed"}
    return {"id": "resp_1", "object": "response", "created_at": _CREATED, "model": model,
            "status": "completed" if done else "in_progress", "output": [item] if done else [],
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "usage": _RESPONSES_USAGE if done else None}


def _response_events(body: dict[str, Any], model: str) -> Iterator[Event]:
    seq = iter(range(100))
    yield "response.created", {"type": "response.created", "sequence_number": next(seq),
                               "response": _response(body, model, done=False)}
    for piece in _TEXT:
        yield "response.output_text.delta", {
            "type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
            "content_index": 0, "delta": piece, "logprobs": [], "sequence_number": next(seq)}
    yield "response.completed", {"type": "response.completed", "sequence_number": next(seq),
                                 "response": _response(body, model)}


def _embeddings(body: dict[str, Any], model: str) -> Any:
    inputs = body.get("input")
    count = len(inputs) if isinstance(inputs, list) else 1
    return {"object": "list", "model": model, "usage": {"prompt_tokens": 8, "total_tokens": 8},
            "data": [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
                     for i in range(count)]}


def _message(body: dict[str, Any], model: str) -> Any:
    tool = _tool_name(body)
    content: list[dict[str, Any]] = [{"type": "text", "text": "".join(_TEXT)}]
    if tool is not None:
        content = [{"type": "tool_use", "id": "toolu_1", "name": tool,
                    "input": {"city": "Paris"}}]
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": "end_turn" if tool is None else "tool_use",
            "stop_sequence": None, "usage": _ANTHROPIC_USAGE}


def _message_events(body: dict[str, Any], model: str) -> Iterator[Event]:
    tool = _tool_name(body)
    start = {**_message(body, model), "content": [], "stop_reason": None,
             "usage": {**_ANTHROPIC_USAGE, "output_tokens": 1}}
    yield "message_start", {"type": "message_start", "message": start}
    if tool is None:
        block: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": piece} for piece in _TEXT]
    else:
        block = {"type": "tool_use", "id": "toolu_1", "name": tool, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": p}
                  for p in ('{"city": ', '"Paris"}')]
    yield "content_block_start", {"type": "content_block_start", "index": 0,
                                  "content_block": block}
    yield "ping", {"type": "ping"}
    for delta in deltas:
        yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    yield "message_delta", {"type": "message_delta", "usage": {"output_tokens": 7},
                            "delta": {"stop_reason": "end_turn" if tool is None else "tool_use",
                                      "stop_sequence": None}}
    yield "message_stop", {"type": "message_stop"}


_ROUTES: dict[str, tuple[Any, Any]] = {
    "/v1/chat/completions": (_chat, _chat_events),
    "/v1/responses": (lambda b, m: _response(b, m), _response_events),
    "/v1/embeddings": (_embeddings, None),
    "/v1/messages": (_message, _message_events),
}


class StandInLLM:
    """The stand-in server on a loopback port, run in a daemon thread.

    Args:
        port: TCP port (0: any free port).

    Attributes:
        requests: Paths of every request received, in order (retries included).
        release: Set it to let ``stand-in-slow`` requests answer.
    """

    def __init__(self, port: int = 0) -> None:
        self.requests: list[str] = []
        self.release = threading.Event()
        self._faults: deque[int] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="otel-measure-stand-in")
        self._thread.start()

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        return int(self._server.server_address[1])

    @property
    def openai_url(self) -> str:
        """``base_url`` for ``openai.OpenAI``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_url(self) -> str:
        """``base_url`` for ``anthropic.Anthropic``."""
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests with HTTP ``status``."""
        with self._lock:
            self._faults.extend([status] * times)

    def take_fault(self) -> int | None:
        """The next queued error status, or None."""
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def close(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StandInLLM:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _handler(owner: StandInLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet."""

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without this, Nagle's algorithm
            # and the client's delayed ACK add ~40 ms to every answer.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0))
                              or b"{}")
            owner.requests.append(path)
            route = _ROUTES.get(path)
            if route is None:
                self._send(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
                return
            status = owner.take_fault()
            if status is not None:
                error = {"message": f"stand-in error {status}", "type": "api_error"}
                payload = {"type": "error", "error": error} if path == "/v1/messages" else {
                    "error": {**error, "code": None}}
                self._send(status, payload, {"retry-after-ms": "1"})
                return
            model = str(body.get("model", ""))
            if model == SLOW_MODEL:
                owner.release.wait(5.0)
            served = f"{model}-2026-01-01"
            plain, events = route
            if not body.get("stream") or events is None:
                self._send(200, plain(body, served))
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for event, data in events(body, served):
                    text = data if isinstance(data, str) else json.dumps(data)
                    head = f"event: {event}\n" if event else ""
                    self.wfile.write(f"{head}data: {text}\n\n".encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client closed the stream early

    return Handler
