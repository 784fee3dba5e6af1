"""Infrastructure metrics: ``system.*``, ``process.*``, ``cpython.gc.*``, ``hw.*`` (semantic
conventions), service checks and ``http.server.*``.

Each metric is written once here; ``CATALOG`` in the package collects them in this order.
"""

from __future__ import annotations

from otel_measure.names.attributes import (
    ATTR_CONTEXT_SWITCH_TYPE,
    ATTR_CPU_LOGICAL_NUMBER,
    ATTR_CPU_MODE,
    ATTR_DISK_IO_DIRECTION,
    ATTR_ERROR_TYPE,
    ATTR_FILESYSTEM_MODE,
    ATTR_FILESYSTEM_MOUNTPOINT,
    ATTR_FILESYSTEM_STATE,
    ATTR_FILESYSTEM_TYPE,
    ATTR_GC_GENERATION,
    ATTR_HTTP_REQUEST_METHOD,
    ATTR_HTTP_RESPONSE_STATUS_CODE,
    ATTR_HTTP_ROUTE,
    ATTR_HW_ID,
    ATTR_HW_NAME,
    ATTR_HW_TYPE,
    ATTR_HW_VENDOR,
    ATTR_NETWORK_CONNECTION_STATE,
    ATTR_NETWORK_INTERFACE,
    ATTR_NETWORK_IO_DIRECTION,
    ATTR_NETWORK_TRANSPORT,
    ATTR_OUTCOME,
    ATTR_SERVICE_CHECK_NAME,
    ATTR_SYSTEM_DEVICE,
    ATTR_SYSTEM_MEMORY_STATE,
    ATTR_SYSTEM_PAGING_STATE,
    ATTR_URL_SCHEME,
)
from otel_measure.names.metric import MetricName, collect, exported, metric_factory

_metric = metric_factory("infrastructure")

_GPU_ATTRS = (ATTR_HW_ID, ATTR_HW_NAME, ATTR_HW_VENDOR)

SYSTEM_CPU_UTILIZATION = _metric(
    "system.cpu.utilization", "gauge", "1",
    "Share of CPU time spent in each mode since the previous collection, across all CPUs.",
    (ATTR_CPU_MODE,),
)
SYSTEM_CPU_LOGICAL_COUNT = _metric(
    "system.cpu.logical.count", "updowncounter", "{cpu}",
    "Number of logical CPUs on the host.",
)
SYSTEM_MEMORY_USAGE = _metric(
    "system.memory.usage", "updowncounter", "By",
    "Memory in use, by state (used = total - available, as on Linux).",
    (ATTR_SYSTEM_MEMORY_STATE,),
)
SYSTEM_MEMORY_LIMIT = _metric(
    "system.memory.limit", "updowncounter", "By",
    "Total physical memory.",
)
SYSTEM_MEMORY_UTILIZATION = _metric(
    "system.memory.utilization", "gauge", "1",
    "Share of physical memory in each state.",
    (ATTR_SYSTEM_MEMORY_STATE,),
)
PROCESS_CPU_TIME = _metric(
    "process.cpu.time", "counter", "s",
    "CPU time consumed by this process, by mode.",
    (ATTR_CPU_MODE,),
)
PROCESS_CPU_UTILIZATION = _metric(
    "process.cpu.utilization", "gauge", "1",
    "CPU time of this process since the previous collection, divided by elapsed time and by "
    "the CPUs available to the process.",
    (ATTR_CPU_MODE,),
)
PROCESS_MEMORY_USAGE = _metric(
    "process.memory.usage", "updowncounter", "By",
    "Resident set size of this process.",
)
PROCESS_MEMORY_VIRTUAL = _metric(
    "process.memory.virtual", "updowncounter", "By",
    "Virtual memory size of this process.",
)
PROCESS_THREAD_COUNT = _metric(
    "process.thread.count", "updowncounter", "{thread}",
    "Threads of this process.",
)
SYSTEM_CPU_TIME = _metric(
    "system.cpu.time", "counter", "s",
    "CPU time spent in each mode, across all CPUs.",
    (ATTR_CPU_MODE, ATTR_CPU_LOGICAL_NUMBER),
)
SYSTEM_CPU_FREQUENCY = _metric(
    "system.cpu.frequency", "gauge", "Hz",
    "Current CPU frequency.",
    (ATTR_CPU_LOGICAL_NUMBER,),
)
SYSTEM_PAGING_USAGE = _metric(
    "system.paging.usage", "updowncounter", "By",
    "Swap space in use, by state.",
    (ATTR_SYSTEM_PAGING_STATE,),
)
SYSTEM_PAGING_UTILIZATION = _metric(
    "system.paging.utilization", "gauge", "1",
    "Share of swap space in each state.",
    (ATTR_SYSTEM_PAGING_STATE,),
)
SYSTEM_DISK_IO = _metric(
    "system.disk.io", "counter", "By",
    "Bytes read from and written to each disk.",
    (ATTR_SYSTEM_DEVICE, ATTR_DISK_IO_DIRECTION),
)
SYSTEM_DISK_OPERATIONS = _metric(
    "system.disk.operations", "counter", "{operation}",
    "Read and write operations per disk.",
    (ATTR_SYSTEM_DEVICE, ATTR_DISK_IO_DIRECTION),
)
SYSTEM_DISK_OPERATION_TIME = _metric(
    "system.disk.operation_time", "counter", "s",
    "Time spent in read and write operations per disk (summed over operations).",
    (ATTR_SYSTEM_DEVICE, ATTR_DISK_IO_DIRECTION),
)
SYSTEM_DISK_IO_TIME = _metric(
    "system.disk.io_time", "counter", "s",
    "Time each disk had I/O in flight.",
    (ATTR_SYSTEM_DEVICE,),
)
SYSTEM_FILESYSTEM_USAGE = _metric(
    "system.filesystem.usage", "updowncounter", "By",
    "Filesystem space by state.",
    (ATTR_SYSTEM_DEVICE, ATTR_FILESYSTEM_STATE, ATTR_FILESYSTEM_TYPE, ATTR_FILESYSTEM_MODE,
     ATTR_FILESYSTEM_MOUNTPOINT),
)
SYSTEM_FILESYSTEM_UTILIZATION = _metric(
    "system.filesystem.utilization", "gauge", "1",
    "Share of filesystem space in each state.",
    (ATTR_SYSTEM_DEVICE, ATTR_FILESYSTEM_STATE, ATTR_FILESYSTEM_TYPE, ATTR_FILESYSTEM_MODE,
     ATTR_FILESYSTEM_MOUNTPOINT),
)
SYSTEM_FILESYSTEM_LIMIT = _metric(
    "system.filesystem.limit", "updowncounter", "By",
    "Total size of each filesystem.",
    (ATTR_SYSTEM_DEVICE, ATTR_FILESYSTEM_TYPE, ATTR_FILESYSTEM_MODE, ATTR_FILESYSTEM_MOUNTPOINT),
)
SYSTEM_NETWORK_IO = _metric(
    "system.network.io", "counter", "By",
    "Bytes sent and received per interface.",
    (ATTR_NETWORK_INTERFACE, ATTR_NETWORK_IO_DIRECTION),
)
SYSTEM_NETWORK_PACKET_COUNT = _metric(
    "system.network.packet.count", "counter", "{packet}",
    "Packets sent and received.",
    (ATTR_NETWORK_INTERFACE, ATTR_NETWORK_IO_DIRECTION),
)
SYSTEM_NETWORK_PACKET_DROPPED = _metric(
    "system.network.packet.dropped", "counter", "{packet}",
    "Packets dropped.",
    (ATTR_NETWORK_INTERFACE, ATTR_NETWORK_IO_DIRECTION),
)
SYSTEM_NETWORK_ERRORS = _metric(
    "system.network.errors", "counter", "{error}",
    "Network errors.",
    (ATTR_NETWORK_INTERFACE, ATTR_NETWORK_IO_DIRECTION),
)
SYSTEM_NETWORK_CONNECTION_COUNT = _metric(
    "system.network.connection.count", "updowncounter", "{connection}",
    "Open TCP and UDP sockets on the host, by transport and TCP state.",
    (ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_CONNECTION_STATE),
)
SYSTEM_UPTIME = _metric(
    "system.uptime", "gauge", "s",
    "Time since the host booted.",
)
PROCESS_OPEN_FILE_DESCRIPTORS = _metric(
    "process.unix.file_descriptor.count", "updowncounter", "{file_descriptor}",
    "File descriptors open in this process.",
)
PROCESS_CONTEXT_SWITCHES = _metric(
    "process.context_switches", "counter", "{context_switch}",
    "Context switches of this process, by type.",
    (ATTR_CONTEXT_SWITCH_TYPE,),
)
PROCESS_DISK_IO = _metric(
    "process.disk.io", "counter", "By",
    "Bytes this process read from and wrote to disk.",
    (ATTR_DISK_IO_DIRECTION,),
)
PROCESS_UPTIME = _metric(
    "process.uptime", "gauge", "s",
    "Time since this process started.",
)
CPYTHON_GC_COLLECTIONS = _metric(
    "cpython.gc.collections", "counter", "{collection}",
    "Garbage collections run, by generation.",
    (ATTR_GC_GENERATION,),
)
CPYTHON_GC_COLLECTED_OBJECTS = _metric(
    "cpython.gc.collected_objects", "counter", "{object}",
    "Objects collected by the garbage collector, by generation.",
    (ATTR_GC_GENERATION,),
)
CPYTHON_GC_UNCOLLECTABLE_OBJECTS = _metric(
    "cpython.gc.uncollectable_objects", "counter", "{object}",
    "Objects the garbage collector found uncollectable, by generation.",
    (ATTR_GC_GENERATION,),
)
HW_GPU_UTILIZATION = _metric(
    "hw.gpu.utilization", "gauge", "1",
    "Share of time the GPU was busy.",
    _GPU_ATTRS,
)
HW_GPU_MEMORY_USAGE = _metric(
    "hw.gpu.memory.usage", "updowncounter", "By",
    "GPU memory in use.",
    _GPU_ATTRS,
)
HW_GPU_MEMORY_LIMIT = _metric(
    "hw.gpu.memory.limit", "updowncounter", "By",
    "Total GPU memory.",
    _GPU_ATTRS,
)
HW_GPU_MEMORY_UTILIZATION = _metric(
    "hw.gpu.memory.utilization", "gauge", "1",
    "Share of GPU memory in use.",
    _GPU_ATTRS,
)
HW_TEMPERATURE = _metric(
    "hw.temperature", "gauge", "Cel",
    "GPU temperature.",
    (*_GPU_ATTRS, ATTR_HW_TYPE),
)
HW_POWER = _metric(
    "hw.power", "gauge", "W",
    "GPU power draw.",
    (*_GPU_ATTRS, ATTR_HW_TYPE),
)
SERVICE_UP = _metric(
    "measure.service.up", "gauge", "1",
    "1 when the registered service's last check passed.",
    (ATTR_SERVICE_CHECK_NAME,),
)
SERVICE_CHECK_DURATION = _metric(
    "measure.service.check.duration", "histogram", "s",
    "Duration of service health checks.",
    (ATTR_SERVICE_CHECK_NAME, ATTR_OUTCOME),
)
SERVICE_CHECKS = _metric(
    "measure.service.checks", "counter", "{check}",
    "Service health checks run, by outcome.",
    (ATTR_SERVICE_CHECK_NAME, ATTR_OUTCOME),
)
HTTP_SERVER_ACTIVE_REQUESTS = _metric(
    "http.server.active_requests", "updowncounter", "{request}",
    "HTTP server requests in flight.",
    (ATTR_HTTP_REQUEST_METHOD, ATTR_URL_SCHEME),
)
HTTP_SERVER_REQUEST_DURATION = _metric(
    "http.server.request.duration", "histogram", "s",
    "Duration of HTTP server requests.",
    (ATTR_HTTP_REQUEST_METHOD, ATTR_URL_SCHEME, ATTR_HTTP_ROUTE, ATTR_HTTP_RESPONSE_STATUS_CODE,
     ATTR_ERROR_TYPE),
)

METRICS: tuple[MetricName, ...] = collect(globals())
__all__ = exported(globals())
