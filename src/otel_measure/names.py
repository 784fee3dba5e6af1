"""Every metric name, unit and attribute key otel-measure uses, declared once.

Semantic-convention names are used where a convention exists (``system.*``,
``process.*``, ``http.server.*``, ``gen_ai.*``, ``hw.gpu.*``); everything else
lives under ``measure.``. ``docs/metrics.md`` is generated from :data:`CATALOG`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ANALYTICS_EVENTS",
    "ANALYTICS_EVICTIONS",
    "ANALYTICS_NPS_RESPONSES",
    "ANALYTICS_NPS_SCORE",
    "ANALYTICS_REVENUE",
    "ANALYTICS_SESSIONS_ACTIVE",
    "ANALYTICS_SESSION_DURATION",
    "ANALYTICS_USERS",
    "ATTR_ANALYTICS_STATE",
    "ATTR_CONTEXT_SWITCH_TYPE",
    "ATTR_CPU_LOGICAL_NUMBER",
    "ATTR_CPU_MODE",
    "ATTR_DISK_IO_DIRECTION",
    "ATTR_DRIFT_BIN",
    "ATTR_DRIFT_FEATURE",
    "ATTR_DRIFT_LAYOUT",
    "ATTR_DRIFT_METHOD",
    "ATTR_DRIFT_WINDOW",
    "ATTR_ERROR_TYPE",
    "ATTR_EVENT_NAME",
    "ATTR_EXPERIMENT",
    "ATTR_FAIRNESS_GROUP",
    "ATTR_FAIRNESS_OUTCOME",
    "ATTR_FILESYSTEM_MODE",
    "ATTR_FILESYSTEM_MOUNTPOINT",
    "ATTR_FILESYSTEM_STATE",
    "ATTR_FILESYSTEM_TYPE",
    "ATTR_GC_GENERATION",
    "ATTR_GEN_AI_INPUT_MESSAGES",
    "ATTR_GEN_AI_OPERATION_NAME",
    "ATTR_GEN_AI_OUTPUT_MESSAGES",
    "ATTR_GEN_AI_PROVIDER_NAME",
    "ATTR_GEN_AI_REQUEST_MODEL",
    "ATTR_GEN_AI_RESPONSE_FINISH_REASONS",
    "ATTR_GEN_AI_RESPONSE_ID",
    "ATTR_GEN_AI_RESPONSE_MODEL",
    "ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK",
    "ATTR_GEN_AI_TOKEN_TYPE",
    "ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS",
    "ATTR_GEN_AI_USAGE_INPUT_TOKENS",
    "ATTR_GEN_AI_USAGE_OUTPUT_TOKENS",
    "ATTR_HTTP_REQUEST_METHOD",
    "ATTR_HTTP_RESPONSE_STATUS_CODE",
    "ATTR_HTTP_ROUTE",
    "ATTR_HW_ID",
    "ATTR_HW_NAME",
    "ATTR_HW_TYPE",
    "ATTR_HW_VENDOR",
    "ATTR_LABEL_PREDICTED",
    "ATTR_LABEL_TRUE",
    "ATTR_NETWORK_CONNECTION_STATE",
    "ATTR_NETWORK_INTERFACE",
    "ATTR_NETWORK_IO_DIRECTION",
    "ATTR_NETWORK_TRANSPORT",
    "ATTR_NPS_CATEGORY",
    "ATTR_OUTCOME",
    "ATTR_QUALITY_AVERAGE",
    "ATTR_QUALITY_SCORE",
    "ATTR_QUALITY_SOURCE",
    "ATTR_REASON",
    "ATTR_ROUGE_TYPE",
    "ATTR_SERVER_ADDRESS",
    "ATTR_SERVER_PORT",
    "ATTR_SERVICE_CHECK_NAME",
    "ATTR_STATISTIC",
    "ATTR_SYSTEM_DEVICE",
    "ATTR_SYSTEM_MEMORY_STATE",
    "ATTR_SYSTEM_PAGING_STATE",
    "ATTR_URL_SCHEME",
    "ATTR_VARIANT",
    "CPYTHON_GC_COLLECTED_OBJECTS",
    "CPYTHON_GC_COLLECTIONS",
    "CPYTHON_GC_UNCOLLECTABLE_OBJECTS",
    "EXPERIMENT_CONVERSIONS",
    "EXPERIMENT_EXPOSURES",
    "EXPERIMENT_VALUE_SUM",
    "EXPERIMENT_VALUE_SUM_SQUARES",
    "GEN_AI_CLIENT_OPERATION_DURATION",
    "GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK",
    "GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK",
    "GEN_AI_CLIENT_TOKEN_USAGE",
    "HTTP_SERVER_ACTIVE_REQUESTS",
    "HTTP_SERVER_REQUEST_DURATION",
    "HW_GPU_MEMORY_LIMIT",
    "HW_GPU_MEMORY_USAGE",
    "HW_GPU_MEMORY_UTILIZATION",
    "HW_GPU_UTILIZATION",
    "HW_POWER",
    "HW_TEMPERATURE",
    "METER_NAME",
    "MODEL_COST",
    "MODEL_COST_UNPRICED",
    "MODEL_DRIFT_BIN_COUNT",
    "MODEL_DRIFT_DETECTED",
    "MODEL_DRIFT_P_VALUE",
    "MODEL_DRIFT_SCORE",
    "MODEL_DRIFT_SHARE",
    "MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE",
    "MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO",
    "MODEL_FAIRNESS_DISPARATE_IMPACT",
    "MODEL_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE",
    "MODEL_FAIRNESS_EQUALIZED_ODDS_RATIO",
    "MODEL_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE",
    "MODEL_FAIRNESS_OUTCOMES",
    "MODEL_FAIRNESS_SELECTION_RATE",
    "MODEL_QUALITY_ACCURACY",
    "MODEL_QUALITY_BLEU",
    "MODEL_QUALITY_BLEU_STATISTICS",
    "MODEL_QUALITY_CONFUSION",
    "MODEL_QUALITY_F1",
    "MODEL_QUALITY_PERPLEXITY",
    "MODEL_QUALITY_PERPLEXITY_STATISTICS",
    "MODEL_QUALITY_PRECISION",
    "MODEL_QUALITY_RECALL",
    "MODEL_QUALITY_ROUGE",
    "MODEL_QUALITY_ROUGE_PAIRS",
    "MODEL_QUALITY_ROUGE_SUM",
    "PROCESS_CONTEXT_SWITCHES",
    "PROCESS_CPU_TIME",
    "PROCESS_CPU_UTILIZATION",
    "PROCESS_DISK_IO",
    "PROCESS_MEMORY_USAGE",
    "PROCESS_MEMORY_VIRTUAL",
    "PROCESS_OPEN_FILE_DESCRIPTORS",
    "PROCESS_THREAD_COUNT",
    "PROCESS_UPTIME",
    "REJECTED",
    "SERVICE_CHECKS",
    "SERVICE_CHECK_DURATION",
    "SERVICE_UP",
    "SYSTEM_CPU_FREQUENCY",
    "SYSTEM_CPU_LOGICAL_COUNT",
    "SYSTEM_CPU_TIME",
    "SYSTEM_CPU_UTILIZATION",
    "SYSTEM_DISK_IO",
    "SYSTEM_DISK_IO_TIME",
    "SYSTEM_DISK_OPERATIONS",
    "SYSTEM_DISK_OPERATION_TIME",
    "SYSTEM_FILESYSTEM_LIMIT",
    "SYSTEM_FILESYSTEM_USAGE",
    "SYSTEM_FILESYSTEM_UTILIZATION",
    "SYSTEM_MEMORY_LIMIT",
    "SYSTEM_MEMORY_USAGE",
    "SYSTEM_MEMORY_UTILIZATION",
    "SYSTEM_NETWORK_CONNECTION_COUNT",
    "SYSTEM_NETWORK_ERRORS",
    "SYSTEM_NETWORK_IO",
    "SYSTEM_NETWORK_PACKET_COUNT",
    "SYSTEM_NETWORK_PACKET_DROPPED",
    "SYSTEM_PAGING_USAGE",
    "SYSTEM_PAGING_UTILIZATION",
    "SYSTEM_UPTIME",
    "MetricName",
    "render_catalog",
]

METER_NAME = "otel_measure"


@dataclass(frozen=True)
class MetricName:
    """One exported metric: its name, instrument kind, unit, description and attributes."""

    name: str
    kind: str
    unit: str
    description: str
    attributes: tuple[str, ...] = ()
    domain: str = "core"
    available: bool = True


# Attribute keys.
ATTR_REASON = "reason"
ATTR_CPU_MODE = "cpu.mode"
ATTR_SYSTEM_MEMORY_STATE = "system.memory.state"
ATTR_ERROR_TYPE = "error.type"
ATTR_HTTP_REQUEST_METHOD = "http.request.method"
ATTR_HTTP_ROUTE = "http.route"
ATTR_HTTP_RESPONSE_STATUS_CODE = "http.response.status_code"
ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
ATTR_GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
ATTR_GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
ATTR_GEN_AI_TOKEN_TYPE = "gen_ai.token.type"
ATTR_EVENT_NAME = "event.name"
ATTR_CPU_LOGICAL_NUMBER = "cpu.logical_number"
ATTR_SYSTEM_DEVICE = "system.device"
ATTR_DISK_IO_DIRECTION = "disk.io.direction"
ATTR_SYSTEM_PAGING_STATE = "system.paging.state"
ATTR_FILESYSTEM_STATE = "system.filesystem.state"
ATTR_FILESYSTEM_TYPE = "system.filesystem.type"
ATTR_FILESYSTEM_MODE = "system.filesystem.mode"
ATTR_FILESYSTEM_MOUNTPOINT = "system.filesystem.mountpoint"
ATTR_NETWORK_INTERFACE = "network.interface.name"
ATTR_NETWORK_IO_DIRECTION = "network.io.direction"
ATTR_CONTEXT_SWITCH_TYPE = "process.context_switch.type"
ATTR_GC_GENERATION = "cpython.gc.generation"
ATTR_HW_ID = "hw.id"
ATTR_HW_NAME = "hw.name"
ATTR_HW_VENDOR = "hw.vendor"
ATTR_HW_TYPE = "hw.type"
ATTR_SERVICE_CHECK_NAME = "measure.service.name"
ATTR_OUTCOME = "outcome"
ATTR_URL_SCHEME = "url.scheme"
ATTR_NETWORK_CONNECTION_STATE = "network.connection.state"
ATTR_NETWORK_TRANSPORT = "network.transport"

# Core.
REJECTED = MetricName(
    "measure.rejected",
    "counter",
    "{input}",
    "Inputs dropped on the recording path because they were invalid, by reason.",
    (ATTR_REASON,),
)

# Infrastructure (semantic conventions, system and process).
SYSTEM_CPU_UTILIZATION = MetricName(
    "system.cpu.utilization",
    "gauge",
    "1",
    "Share of CPU time spent in each mode since the previous collection, across all CPUs.",
    (ATTR_CPU_MODE,),
    "infrastructure",
)
SYSTEM_CPU_LOGICAL_COUNT = MetricName(
    "system.cpu.logical.count",
    "updowncounter",
    "{cpu}",
    "Number of logical CPUs on the host.",
    (),
    "infrastructure",
)
SYSTEM_MEMORY_USAGE = MetricName(
    "system.memory.usage",
    "updowncounter",
    "By",
    "Memory in use, by state (used = total - available, as on Linux).",
    (ATTR_SYSTEM_MEMORY_STATE,),
    "infrastructure",
)
SYSTEM_MEMORY_LIMIT = MetricName(
    "system.memory.limit",
    "updowncounter",
    "By",
    "Total physical memory.",
    (),
    "infrastructure",
)
SYSTEM_MEMORY_UTILIZATION = MetricName(
    "system.memory.utilization",
    "gauge",
    "1",
    "Share of physical memory in each state.",
    (ATTR_SYSTEM_MEMORY_STATE,),
    "infrastructure",
)
PROCESS_CPU_TIME = MetricName(
    "process.cpu.time",
    "counter",
    "s",
    "CPU time consumed by this process, by mode.",
    (ATTR_CPU_MODE,),
    "infrastructure",
)
PROCESS_CPU_UTILIZATION = MetricName(
    "process.cpu.utilization",
    "gauge",
    "1",
    "CPU time of this process since the previous collection, divided by elapsed time and by "
    "the CPUs available to the process.",
    (ATTR_CPU_MODE,),
    "infrastructure",
)
PROCESS_MEMORY_USAGE = MetricName(
    "process.memory.usage",
    "updowncounter",
    "By",
    "Resident set size of this process.",
    (),
    "infrastructure",
)
PROCESS_MEMORY_VIRTUAL = MetricName(
    "process.memory.virtual",
    "updowncounter",
    "By",
    "Virtual memory size of this process.",
    (),
    "infrastructure",
)
PROCESS_THREAD_COUNT = MetricName(
    "process.thread.count",
    "updowncounter",
    "{thread}",
    "Threads of this process.",
    (),
    "infrastructure",
)


# --- infrastructure: more system metrics --------------------------------------------
SYSTEM_CPU_TIME = MetricName(
    "system.cpu.time", "counter", "s", "CPU time spent in each mode, across all CPUs.",
    (ATTR_CPU_MODE, ATTR_CPU_LOGICAL_NUMBER), "infrastructure")
SYSTEM_CPU_FREQUENCY = MetricName(
    "system.cpu.frequency", "gauge", "Hz", "Current CPU frequency.",
    (ATTR_CPU_LOGICAL_NUMBER,), "infrastructure")
SYSTEM_PAGING_USAGE = MetricName(
    "system.paging.usage", "updowncounter", "By", "Swap space in use, by state.",
    (ATTR_SYSTEM_PAGING_STATE,), "infrastructure")
SYSTEM_PAGING_UTILIZATION = MetricName(
    "system.paging.utilization", "gauge", "1", "Share of swap space in each state.",
    (ATTR_SYSTEM_PAGING_STATE,), "infrastructure")
SYSTEM_DISK_IO = MetricName(
    "system.disk.io", "counter", "By", "Bytes read from and written to each disk.",
    (ATTR_SYSTEM_DEVICE, ATTR_DISK_IO_DIRECTION), "infrastructure")
SYSTEM_DISK_OPERATIONS = MetricName(
    "system.disk.operations", "counter", "{operation}", "Read and write operations per disk.",
    (ATTR_SYSTEM_DEVICE, ATTR_DISK_IO_DIRECTION), "infrastructure")
SYSTEM_DISK_OPERATION_TIME = MetricName(
    "system.disk.operation_time", "counter", "s",
    "Time spent in read and write operations per disk (summed over operations).",
    (ATTR_SYSTEM_DEVICE, ATTR_DISK_IO_DIRECTION), "infrastructure")
SYSTEM_DISK_IO_TIME = MetricName(
    "system.disk.io_time", "counter", "s", "Time each disk had I/O in flight.",
    (ATTR_SYSTEM_DEVICE,), "infrastructure")
SYSTEM_FILESYSTEM_USAGE = MetricName(
    "system.filesystem.usage", "updowncounter", "By", "Filesystem space by state.",
    (ATTR_SYSTEM_DEVICE, ATTR_FILESYSTEM_STATE, ATTR_FILESYSTEM_TYPE, ATTR_FILESYSTEM_MODE,
     ATTR_FILESYSTEM_MOUNTPOINT), "infrastructure")
SYSTEM_FILESYSTEM_UTILIZATION = MetricName(
    "system.filesystem.utilization", "gauge", "1", "Share of filesystem space in each state.",
    (ATTR_SYSTEM_DEVICE, ATTR_FILESYSTEM_STATE, ATTR_FILESYSTEM_TYPE, ATTR_FILESYSTEM_MODE,
     ATTR_FILESYSTEM_MOUNTPOINT), "infrastructure")
SYSTEM_FILESYSTEM_LIMIT = MetricName(
    "system.filesystem.limit", "updowncounter", "By", "Total size of each filesystem.",
    (ATTR_SYSTEM_DEVICE, ATTR_FILESYSTEM_TYPE, ATTR_FILESYSTEM_MODE, ATTR_FILESYSTEM_MOUNTPOINT),
    "infrastructure")
SYSTEM_NETWORK_IO = MetricName(
    "system.network.io", "counter", "By", "Bytes sent and received per interface.",
    (ATTR_NETWORK_INTERFACE, ATTR_NETWORK_IO_DIRECTION), "infrastructure")
SYSTEM_NETWORK_PACKET_COUNT = MetricName(
    "system.network.packet.count", "counter", "{packet}", "Packets sent and received.",
    (ATTR_NETWORK_INTERFACE, ATTR_NETWORK_IO_DIRECTION), "infrastructure")
SYSTEM_NETWORK_PACKET_DROPPED = MetricName(
    "system.network.packet.dropped", "counter", "{packet}", "Packets dropped.",
    (ATTR_NETWORK_INTERFACE, ATTR_NETWORK_IO_DIRECTION), "infrastructure")
SYSTEM_NETWORK_ERRORS = MetricName(
    "system.network.errors", "counter", "{error}", "Network errors.",
    (ATTR_NETWORK_INTERFACE, ATTR_NETWORK_IO_DIRECTION), "infrastructure")
SYSTEM_NETWORK_CONNECTION_COUNT = MetricName(
    "system.network.connection.count", "updowncounter", "{connection}",
    "Open TCP and UDP sockets on the host, by transport and TCP state.",
    (ATTR_NETWORK_TRANSPORT, ATTR_NETWORK_CONNECTION_STATE), "infrastructure")
SYSTEM_UPTIME = MetricName(
    "system.uptime", "gauge", "s", "Time since the host booted.", (), "infrastructure")

# --- infrastructure: more process metrics -------------------------------------------
PROCESS_OPEN_FILE_DESCRIPTORS = MetricName(
    "process.unix.file_descriptor.count", "updowncounter", "{file_descriptor}",
    "File descriptors open in this process.", (), "infrastructure")
PROCESS_CONTEXT_SWITCHES = MetricName(
    "process.context_switches", "counter", "{context_switch}",
    "Context switches of this process, by type.", (ATTR_CONTEXT_SWITCH_TYPE,), "infrastructure")
PROCESS_DISK_IO = MetricName(
    "process.disk.io", "counter", "By", "Bytes this process read from and wrote to disk.",
    (ATTR_DISK_IO_DIRECTION,), "infrastructure")
PROCESS_UPTIME = MetricName(
    "process.uptime", "gauge", "s", "Time since this process started.", (), "infrastructure")
CPYTHON_GC_COLLECTIONS = MetricName(
    "cpython.gc.collections", "counter", "{collection}",
    "Garbage collections run, by generation.", (ATTR_GC_GENERATION,), "infrastructure")
CPYTHON_GC_COLLECTED_OBJECTS = MetricName(
    "cpython.gc.collected_objects", "counter", "{object}",
    "Objects collected by the garbage collector, by generation.", (ATTR_GC_GENERATION,),
    "infrastructure")
CPYTHON_GC_UNCOLLECTABLE_OBJECTS = MetricName(
    "cpython.gc.uncollectable_objects", "counter", "{object}",
    "Objects the garbage collector found uncollectable, by generation.", (ATTR_GC_GENERATION,),
    "infrastructure")

# --- infrastructure: GPU (extra "gpu", NVML) ----------------------------------------
_GPU_ATTRS = (ATTR_HW_ID, ATTR_HW_NAME, ATTR_HW_VENDOR)
HW_GPU_UTILIZATION = MetricName(
    "hw.gpu.utilization", "gauge", "1", "Share of time the GPU was busy.", _GPU_ATTRS,
    "infrastructure")
HW_GPU_MEMORY_USAGE = MetricName(
    "hw.gpu.memory.usage", "updowncounter", "By", "GPU memory in use.", _GPU_ATTRS,
    "infrastructure")
HW_GPU_MEMORY_LIMIT = MetricName(
    "hw.gpu.memory.limit", "updowncounter", "By", "Total GPU memory.", _GPU_ATTRS,
    "infrastructure")
HW_GPU_MEMORY_UTILIZATION = MetricName(
    "hw.gpu.memory.utilization", "gauge", "1", "Share of GPU memory in use.", _GPU_ATTRS,
    "infrastructure")
HW_TEMPERATURE = MetricName(
    "hw.temperature", "gauge", "Cel", "GPU temperature.", (*_GPU_ATTRS, ATTR_HW_TYPE),
    "infrastructure")
HW_POWER = MetricName(
    "hw.power", "gauge", "W", "GPU power draw.", (*_GPU_ATTRS, ATTR_HW_TYPE), "infrastructure")

# --- infrastructure: services and requests ------------------------------------------
SERVICE_UP = MetricName(
    "measure.service.up", "gauge", "1", "1 when the registered service's last check passed.",
    (ATTR_SERVICE_CHECK_NAME,), "infrastructure")
SERVICE_CHECK_DURATION = MetricName(
    "measure.service.check.duration", "histogram", "s", "Duration of service health checks.",
    (ATTR_SERVICE_CHECK_NAME, ATTR_OUTCOME), "infrastructure")
SERVICE_CHECKS = MetricName(
    "measure.service.checks", "counter", "{check}", "Service health checks run, by outcome.",
    (ATTR_SERVICE_CHECK_NAME, ATTR_OUTCOME), "infrastructure")
HTTP_SERVER_ACTIVE_REQUESTS = MetricName(
    "http.server.active_requests", "updowncounter", "{request}",
    "HTTP server requests in flight.", (ATTR_HTTP_REQUEST_METHOD, ATTR_URL_SCHEME),
    "infrastructure")

# --- models: span attributes, cost and quality --------------------------------------
ATTR_GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
ATTR_GEN_AI_RESPONSE_ID = "gen_ai.response.id"
ATTR_GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk"
ATTR_GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
ATTR_GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages"
ATTR_GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages"
ATTR_SERVER_ADDRESS = "server.address"
ATTR_SERVER_PORT = "server.port"
ATTR_QUALITY_AVERAGE = "measure.quality.average"
ATTR_QUALITY_SCORE = "measure.quality.score"
ATTR_QUALITY_SOURCE = "measure.quality.source"
ATTR_ROUGE_TYPE = "measure.rouge.type"
ATTR_STATISTIC = "measure.statistic"
ATTR_LABEL_TRUE = "measure.label.true"
ATTR_LABEL_PREDICTED = "measure.label.predicted"
_MODEL_ATTRS = (ATTR_GEN_AI_REQUEST_MODEL,)
MODEL_COST = MetricName(
    "measure.model.cost", "counter", "USD",
    "Cost of model calls from the price table: tokens x USD per million / 1e6, by token type "
    "(input = uncached input, cached_input, output).",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_TOKEN_TYPE), "models")
MODEL_COST_UNPRICED = MetricName(
    "measure.model.cost.unpriced", "counter", "{request}",
    "Calls that reported tokens for a model with no price (their cost is not recorded).",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_PROVIDER_NAME), "models")
MODEL_QUALITY_ACCURACY = MetricName(
    "measure.model.quality.accuracy", "gauge", "1",
    "Accuracy of the latest calculate_accuracy_metrics() evaluation.", _MODEL_ATTRS, "models")
MODEL_QUALITY_PRECISION = MetricName(
    "measure.model.quality.precision", "gauge", "1",
    "Precision of the latest classification evaluation, by averaging.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_AVERAGE), "models")
MODEL_QUALITY_RECALL = MetricName(
    "measure.model.quality.recall", "gauge", "1",
    "Recall of the latest classification evaluation, by averaging.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_AVERAGE), "models")
MODEL_QUALITY_F1 = MetricName(
    "measure.model.quality.f1", "gauge", "1",
    "F1 of the latest classification evaluation, by averaging.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_AVERAGE), "models")
MODEL_QUALITY_CONFUSION = MetricName(
    "measure.model.quality.confusion", "counter", "{prediction}",
    "Confusion-matrix counts (sufficient statistics of accuracy, precision, recall, F1), from "
    "evaluations and from labelled inferences.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_LABEL_TRUE, ATTR_LABEL_PREDICTED, ATTR_QUALITY_SOURCE),
    "models")
MODEL_QUALITY_BLEU = MetricName(
    "measure.model.quality.bleu", "gauge", "1",
    "Corpus BLEU (0-1, sacrebleu defaults) of the latest calculate_bleu_score() call.",
    _MODEL_ATTRS, "models")
MODEL_QUALITY_BLEU_STATISTICS = MetricName(
    "measure.model.quality.bleu.statistics", "counter", "1",
    "BLEU sufficient statistics summed over evaluations (sys_len, ref_len, matches_1..4, "
    "totals_1..4, segments): corpus BLEU can be recomputed fleet-wide.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_STATISTIC), "models")
MODEL_QUALITY_ROUGE = MetricName(
    "measure.model.quality.rouge", "gauge", "1",
    "ROUGE of the latest calculate_rouge_scores() call, by type and score.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_ROUGE_TYPE, ATTR_QUALITY_SCORE), "models")
MODEL_QUALITY_ROUGE_SUM = MetricName(
    "measure.model.quality.rouge.sum", "counter", "1",
    "Sum of ROUGE scores over evaluated pairs (divide by rouge.pairs for the mean).",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_ROUGE_TYPE, ATTR_QUALITY_SCORE), "models")
MODEL_QUALITY_ROUGE_PAIRS = MetricName(
    "measure.model.quality.rouge.pairs", "counter", "{pair}",
    "Prediction/target pairs scored with ROUGE.", _MODEL_ATTRS, "models")
MODEL_QUALITY_PERPLEXITY = MetricName(
    "measure.model.quality.perplexity", "gauge", "1",
    "Token-weighted perplexity of the latest calculate_perplexity() call.", _MODEL_ATTRS,
    "models")
MODEL_QUALITY_PERPLEXITY_STATISTICS = MetricName(
    "measure.model.quality.perplexity.statistics", "counter", "1",
    "Perplexity sufficient statistics (nll_sum in nats, tokens, sequences): perplexity = "
    "exp(nll_sum / tokens) fleet-wide.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_STATISTIC), "models")

# --- analytics: sessions, NPS, experiments ------------------------------------------
ATTR_NPS_CATEGORY = "nps.category"
ATTR_EXPERIMENT = "experiment"
ATTR_VARIANT = "variant"
ATTR_ANALYTICS_STATE = "analytics.state"
ANALYTICS_SESSIONS_ACTIVE = MetricName(
    "measure.analytics.sessions.active", "updowncounter", "{session}",
    "User sessions open now (closed by end_session or after the idle timeout).", (),
    "analytics")
ANALYTICS_USERS = MetricName(
    "measure.analytics.users", "gauge", "{user}",
    "Users whose (pseudonymised) state is held in memory, at most max_users.", (),
    "analytics")
ANALYTICS_EVICTIONS = MetricName(
    "measure.analytics.evictions", "counter", "{entry}",
    "Per-user or per-session state dropped to stay within its cap (least recently used).",
    (ATTR_ANALYTICS_STATE,), "analytics")
ANALYTICS_NPS_RESPONSES = MetricName(
    "measure.analytics.nps.responses", "counter", "{response}",
    "NPS survey responses by category (promoter 9-10, passive 7-8, detractor 0-6); "
    "NPS = 100 (promoters - detractors) / total, mergeable across processes.",
    (ATTR_NPS_CATEGORY,), "analytics")
ANALYTICS_NPS_SCORE = MetricName(
    "measure.analytics.nps.score", "gauge", "1",
    "Net Promoter Score over the buffered responses of this process, in [-100, 100].", (),
    "analytics")
EXPERIMENT_EXPOSURES = MetricName(
    "measure.experiment.exposures", "counter", "{user}",
    "Users exposed to an A/B test variant (n of the variant; once per user).",
    (ATTR_EXPERIMENT, ATTR_VARIANT), "analytics")
EXPERIMENT_CONVERSIONS = MetricName(
    "measure.experiment.conversions", "counter", "{user}",
    "Exposed users who converted at least once, by test and variant.",
    (ATTR_EXPERIMENT, ATTR_VARIANT), "analytics")
EXPERIMENT_VALUE_SUM = MetricName(
    "measure.experiment.value.sum", "counter", "1",
    "Sum over exposed users of their metric value (1/0 for conversion tests).",
    (ATTR_EXPERIMENT, ATTR_VARIANT), "analytics")
EXPERIMENT_VALUE_SUM_SQUARES = MetricName(
    "measure.experiment.value.sum_squares", "counter", "1",
    "Sum over exposed users of their metric value squared (for the variance).",
    (ATTR_EXPERIMENT, ATTR_VARIANT), "analytics")

# --- models: drift and fairness -----------------------------------------------------
ATTR_DRIFT_FEATURE = "measure.drift.feature"
ATTR_DRIFT_METHOD = "measure.drift.method"
ATTR_DRIFT_WINDOW = "measure.drift.window"
ATTR_DRIFT_BIN = "measure.drift.bin"
ATTR_DRIFT_LAYOUT = "measure.drift.layout"
ATTR_FAIRNESS_GROUP = "measure.fairness.group"
ATTR_FAIRNESS_OUTCOME = "measure.fairness.outcome"
_DRIFT_ATTRS = (ATTR_GEN_AI_REQUEST_MODEL, ATTR_DRIFT_FEATURE, ATTR_DRIFT_METHOD)
_FAIRNESS_ATTRS = (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_SOURCE)
MODEL_DRIFT_SCORE = MetricName(
    "measure.model.drift.score", "gauge", "1",
    "Latest drift statistic of a model's feature (`_prediction`: its predictions) by test: "
    "KS D, normed Wasserstein, PSI, Jensen-Shannon distance, chi-square, z.",
    _DRIFT_ATTRS, "models")
MODEL_DRIFT_P_VALUE = MetricName(
    "measure.model.drift.p_value", "gauge", "1",
    "p-value of the latest drift test, for tests that have one (ks, chisquare, z).",
    _DRIFT_ATTRS, "models")
MODEL_DRIFT_DETECTED = MetricName(
    "measure.model.drift.detected", "gauge", "1",
    "1 when the latest drift test of the feature crossed its threshold, else 0.",
    _DRIFT_ATTRS, "models")
MODEL_DRIFT_SHARE = MetricName(
    "measure.model.drift.share", "gauge", "1",
    "Share of a model's checked features (predictions included) that drifted; dataset drift "
    "when >= 0.5.", (ATTR_GEN_AI_REQUEST_MODEL,), "models")
MODEL_DRIFT_BIN_COUNT = MetricName(
    "measure.model.drift.bin.count", "counter", "{observation}",
    "Observations per drift bin (baseline, and every current observation since the baseline) "
    "on bins fixed by the baseline, whose layout digest is `measure.drift.layout`: PSI, "
    "Jensen-Shannon and chi-square can be recomputed fleet-wide from increases.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_DRIFT_FEATURE, ATTR_DRIFT_LAYOUT, ATTR_DRIFT_WINDOW,
     ATTR_DRIFT_BIN), "models")
MODEL_FAIRNESS_OUTCOMES = MetricName(
    "measure.model.fairness.outcomes", "counter", "{prediction}",
    "Binary outcomes (tp, fp, tn, fn) per group, from observed outcomes (online) and "
    "evaluations: every fairness metric can be recomputed fleet-wide.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_FAIRNESS_GROUP, ATTR_FAIRNESS_OUTCOME,
     ATTR_QUALITY_SOURCE), "models")
MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE = MetricName(
    "measure.model.fairness.demographic_parity_difference", "gauge", "1",
    "Max minus min selection rate across groups (fairlearn).", _FAIRNESS_ATTRS, "models")
MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO = MetricName(
    "measure.model.fairness.demographic_parity_ratio", "gauge", "1",
    "Min over max selection rate across groups (fairlearn).", _FAIRNESS_ATTRS, "models")
MODEL_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE = MetricName(
    "measure.model.fairness.equalized_odds_difference", "gauge", "1",
    "Worst of the TPR and FPR differences across groups (fairlearn).", _FAIRNESS_ATTRS,
    "models")
MODEL_FAIRNESS_EQUALIZED_ODDS_RATIO = MetricName(
    "measure.model.fairness.equalized_odds_ratio", "gauge", "1",
    "Worst of the TPR and FPR ratios across groups (fairlearn).", _FAIRNESS_ATTRS, "models")
MODEL_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE = MetricName(
    "measure.model.fairness.equal_opportunity_difference", "gauge", "1",
    "Max minus min true positive rate across groups (fairlearn).", _FAIRNESS_ATTRS, "models")
MODEL_FAIRNESS_SELECTION_RATE = MetricName(
    "measure.model.fairness.selection_rate", "gauge", "1",
    "Share of a group's predictions that are positive.",
    (*_FAIRNESS_ATTRS, ATTR_FAIRNESS_GROUP), "models")
MODEL_FAIRNESS_DISPARATE_IMPACT = MetricName(
    "measure.model.fairness.disparate_impact", "gauge", "1",
    "A group's selection rate over the reference group's (the highest); below 0.8 fails the "
    "four-fifths rule.", (*_FAIRNESS_ATTRS, ATTR_FAIRNESS_GROUP), "models")

# Declared ahead of their domains (views need them); ``available`` flips when they land.
HTTP_SERVER_REQUEST_DURATION = MetricName(
    "http.server.request.duration",
    "histogram",
    "s",
    "Duration of HTTP server requests.",
    (ATTR_HTTP_REQUEST_METHOD, ATTR_URL_SCHEME, ATTR_HTTP_ROUTE, ATTR_HTTP_RESPONSE_STATUS_CODE,
     ATTR_ERROR_TYPE),
    "infrastructure",
)
GEN_AI_CLIENT_OPERATION_DURATION = MetricName(
    "gen_ai.client.operation.duration",
    "histogram",
    "s",
    "GenAI operation duration.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL,
     ATTR_ERROR_TYPE),
    "models",
)
GEN_AI_CLIENT_TOKEN_USAGE = MetricName(
    "gen_ai.client.token.usage",
    "histogram",
    "{token}",
    "Number of input and output tokens used.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL,
     ATTR_GEN_AI_TOKEN_TYPE),
    "models",
)
GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK = MetricName(
    "gen_ai.client.operation.time_to_first_chunk",
    "histogram",
    "s",
    "Time to receive the first chunk of a streamed response.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL),
    "models",
)
GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK = MetricName(
    "gen_ai.client.operation.time_per_output_chunk",
    "histogram",
    "s",
    "Time between consecutive chunks of a streamed response.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL),
    "models",
)
ANALYTICS_EVENTS = MetricName(
    "measure.analytics.events",
    "counter",
    "{event}",
    "Product events tracked, by allow-listed event name (never by user).",
    (ATTR_EVENT_NAME,),
    "analytics",
)
ANALYTICS_REVENUE = MetricName(
    "measure.analytics.revenue",
    "counter",
    "USD",
    "Revenue attached to tracked events.",
    (ATTR_EVENT_NAME,),
    "analytics",
)
ANALYTICS_SESSION_DURATION = MetricName(
    "measure.analytics.session.duration",
    "histogram",
    "s",
    "Duration of ended user sessions.",
    (),
    "analytics",
)

CATALOG: tuple[MetricName, ...] = (
    REJECTED,
    SYSTEM_CPU_UTILIZATION,
    SYSTEM_CPU_LOGICAL_COUNT,
    SYSTEM_MEMORY_USAGE,
    SYSTEM_MEMORY_LIMIT,
    SYSTEM_MEMORY_UTILIZATION,
    PROCESS_CPU_TIME,
    PROCESS_CPU_UTILIZATION,
    PROCESS_MEMORY_USAGE,
    PROCESS_MEMORY_VIRTUAL,
    PROCESS_THREAD_COUNT,
    SYSTEM_CPU_TIME,
    SYSTEM_CPU_FREQUENCY,
    SYSTEM_PAGING_USAGE,
    SYSTEM_PAGING_UTILIZATION,
    SYSTEM_DISK_IO,
    SYSTEM_DISK_OPERATIONS,
    SYSTEM_DISK_OPERATION_TIME,
    SYSTEM_DISK_IO_TIME,
    SYSTEM_FILESYSTEM_USAGE,
    SYSTEM_FILESYSTEM_UTILIZATION,
    SYSTEM_FILESYSTEM_LIMIT,
    SYSTEM_NETWORK_IO,
    SYSTEM_NETWORK_PACKET_COUNT,
    SYSTEM_NETWORK_PACKET_DROPPED,
    SYSTEM_NETWORK_ERRORS,
    SYSTEM_NETWORK_CONNECTION_COUNT,
    SYSTEM_UPTIME,
    PROCESS_OPEN_FILE_DESCRIPTORS,
    PROCESS_CONTEXT_SWITCHES,
    PROCESS_DISK_IO,
    PROCESS_UPTIME,
    CPYTHON_GC_COLLECTIONS,
    CPYTHON_GC_COLLECTED_OBJECTS,
    CPYTHON_GC_UNCOLLECTABLE_OBJECTS,
    HW_GPU_UTILIZATION,
    HW_GPU_MEMORY_USAGE,
    HW_GPU_MEMORY_LIMIT,
    HW_GPU_MEMORY_UTILIZATION,
    HW_TEMPERATURE,
    HW_POWER,
    SERVICE_UP,
    SERVICE_CHECK_DURATION,
    SERVICE_CHECKS,
    HTTP_SERVER_ACTIVE_REQUESTS,
    HTTP_SERVER_REQUEST_DURATION,
    GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_TOKEN_USAGE,
    GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
    GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK,
    MODEL_COST,
    MODEL_COST_UNPRICED,
    MODEL_QUALITY_ACCURACY,
    MODEL_QUALITY_PRECISION,
    MODEL_QUALITY_RECALL,
    MODEL_QUALITY_F1,
    MODEL_QUALITY_CONFUSION,
    MODEL_QUALITY_BLEU,
    MODEL_QUALITY_BLEU_STATISTICS,
    MODEL_QUALITY_ROUGE,
    MODEL_QUALITY_ROUGE_SUM,
    MODEL_QUALITY_ROUGE_PAIRS,
    MODEL_QUALITY_PERPLEXITY,
    MODEL_QUALITY_PERPLEXITY_STATISTICS,
    MODEL_DRIFT_SCORE,
    MODEL_DRIFT_P_VALUE,
    MODEL_DRIFT_DETECTED,
    MODEL_DRIFT_SHARE,
    MODEL_DRIFT_BIN_COUNT,
    MODEL_FAIRNESS_OUTCOMES,
    MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
    MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO,
    MODEL_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE,
    MODEL_FAIRNESS_EQUALIZED_ODDS_RATIO,
    MODEL_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE,
    MODEL_FAIRNESS_SELECTION_RATE,
    MODEL_FAIRNESS_DISPARATE_IMPACT,
    ANALYTICS_EVENTS,
    ANALYTICS_REVENUE,
    ANALYTICS_SESSION_DURATION,
    ANALYTICS_SESSIONS_ACTIVE,
    ANALYTICS_USERS,
    ANALYTICS_EVICTIONS,
    ANALYTICS_NPS_RESPONSES,
    ANALYTICS_NPS_SCORE,
    EXPERIMENT_EXPOSURES,
    EXPERIMENT_CONVERSIONS,
    EXPERIMENT_VALUE_SUM,
    EXPERIMENT_VALUE_SUM_SQUARES,
)


def render_catalog() -> str:
    """Render the metric catalog as the Markdown kept in ``docs/metrics.md``."""
    lines = [
        "# Metric catalog",
        "",
        "Generated from `src/otel_measure/names.py` by `otel-measure catalog`;",
        "a test keeps this file equal to that output.",
        "",
        "Metrics marked *planned* are declared (their Views and buckets exist) but their",
        "domain does not record them yet.",
        "",
        "| name | kind | unit | attributes | domain | description |",
        "|---|---|---|---|---|---|",
    ]
    for m in CATALOG:
        attrs = ", ".join(f"`{a}`" for a in m.attributes) or "-"
        domain = m.domain if m.available else f"{m.domain} (*planned*)"
        lines.append(
            f"| `{m.name}` | {m.kind} | `{m.unit}` | {attrs} | {domain} | {m.description} |"
        )
    return "\n".join(lines) + "\n"
