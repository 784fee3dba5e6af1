"""A real OTLP receiver for tests: gRPC and HTTP/protobuf, decoding with opentelemetry-proto."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import (
    metrics_service_pb2,
    metrics_service_pb2_grpc,
)
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


class Received:
    """Everything a receiver decoded, with helpers to look values up."""

    def __init__(self) -> None:
        self.metrics: list[metrics_service_pb2.ExportMetricsServiceRequest] = []
        self.traces: list[trace_service_pb2.ExportTraceServiceRequest] = []
        self.logs: list[logs_service_pb2.ExportLogsServiceRequest] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self._cond = threading.Condition()

    def add(self, kind: str, request: Any, headers: dict[str, str], path: str) -> None:
        with self._cond:
            {"metrics": self.metrics, "traces": self.traces, "logs": self.logs}[kind].append(
                request)
            self.headers.append(headers)
            self.paths.append(path)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def metric(self, name: str) -> tuple[Any, dict[str, Any]] | None:
        """Return the latest metric called ``name`` and its resource attributes."""
        found = None
        for request in self.metrics:
            for rm in request.resource_metrics:
                resource = {a.key: _value(a.value) for a in rm.resource.attributes}
                for sm in rm.scope_metrics:
                    for metric in sm.metrics:
                        if metric.name == name:
                            found = (metric, resource)
        return found

    def log_records(self) -> list[tuple[Any, dict[str, Any]]]:
        """Return every log record received with its resource attributes."""
        return [(record, attributes(rl.resource.attributes)) for request in self.logs
                for rl in request.resource_logs for sl in rl.scope_logs
                for record in sl.log_records]

    def spans(self) -> list[tuple[Any, dict[str, Any]]]:
        """Return every span received with its resource attributes."""
        out = []
        for request in self.traces:
            for rs in request.resource_spans:
                resource = {a.key: _value(a.value) for a in rs.resource.attributes}
                for ss in rs.scope_spans:
                    out.extend((span, resource) for span in ss.spans)
        return out


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def attributes(items: Any) -> dict[str, Any]:
    """Decode a repeated KeyValue field into a dict."""
    return {a.key: _value(a.value) for a in items}


class _MetricsServicer(metrics_service_pb2_grpc.MetricsServiceServicer):
    def __init__(self, received: Received) -> None:
        self.received = received

    def Export(self, request: Any, context: Any) -> Any:
        headers = {k: v for k, v in context.invocation_metadata()}
        self.received.add("metrics", request, headers, "grpc")
        return metrics_service_pb2.ExportMetricsServiceResponse()


class _TraceServicer(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, received: Received) -> None:
        self.received = received

    def Export(self, request: Any, context: Any) -> Any:
        headers = {k: v for k, v in context.invocation_metadata()}
        self.received.add("traces", request, headers, "grpc")
        return trace_service_pb2.ExportTraceServiceResponse()


class _LogsServicer(logs_service_pb2_grpc.LogsServiceServicer):
    def __init__(self, received: Received) -> None:
        self.received = received

    def Export(self, request: Any, context: Any) -> Any:
        headers = {k: v for k, v in context.invocation_metadata()}
        self.received.add("logs", request, headers, "grpc")
        return logs_service_pb2.ExportLogsServiceResponse()


class GrpcReceiver:
    """OTLP/gRPC on a free loopback port."""

    def __init__(self) -> None:
        self.received = Received()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(
            _MetricsServicer(self.received), self._server)
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
            _TraceServicer(self.received), self._server)
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(
            _LogsServicer(self.received), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.stop(grace=None).wait(5)


class HttpReceiver:
    """OTLP/HTTP protobuf on a loopback port (/v1/metrics, /v1/traces, /v1/logs); 0: a free one."""

    def __init__(self, port: int = 0) -> None:
        self.received = received = Received()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    import gzip

                    body = gzip.decompress(body)
                if self.path.endswith("/v1/metrics"):
                    request: Any = metrics_service_pb2.ExportMetricsServiceRequest()
                    reply: Any = metrics_service_pb2.ExportMetricsServiceResponse()
                    kind = "metrics"
                elif self.path.endswith("/v1/traces"):
                    request = trace_service_pb2.ExportTraceServiceRequest()
                    reply = trace_service_pb2.ExportTraceServiceResponse()
                    kind = "traces"
                elif self.path.endswith("/v1/logs"):
                    request = logs_service_pb2.ExportLogsServiceRequest()
                    reply = logs_service_pb2.ExportLogsServiceResponse()
                    kind = "logs"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                request.ParseFromString(body)
                received.add(kind, request, {k.lower(): v for k, v in self.headers.items()},
                             self.path)
                data = reply.SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
