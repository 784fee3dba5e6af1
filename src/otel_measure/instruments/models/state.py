"""Per-model state and the cached attribute sets of the recording hot path.

A :class:`ModelState` holds one model's bounded buffers and running totals; the drift
and fairness features add their accumulators here (one object per model, created on
first use or by ``register_model``). A :class:`Series` caches every attribute dict one
(model, operation, provider, error type) combination records with, so a call to
``record_inference`` builds no dict and resolves no name; its :class:`CostCell` holds the
cost sums of its (model, provider), read by observable counters at collection.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from typing import Any

from otel_measure.calculators.fairness import FairnessMetrics, GroupConfusion
from otel_measure.instruments.models.drift import FeatureTracker
from otel_measure.names.attributes import (
    ATTR_ERROR_TYPE,
    ATTR_GEN_AI_OPERATION_NAME,
    ATTR_GEN_AI_PROVIDER_NAME,
    ATTR_GEN_AI_REQUEST_MODEL,
    ATTR_GEN_AI_TOKEN_TYPE,
)
from otel_measure.names.models import GEN_AI_OPERATIONS
from otel_measure.pricing import ModelPrice

__all__ = ["OTHER", "OTHER_GROUP", "TOKEN_TYPES", "CostCell", "FairnessState", "ModelState",
           "Record", "Series"]

OTHER = "_OTHER"  # gen_ai.provider.name / error.type when unknown
OTHER_GROUP = "other"  # the fairness bucket of groups past the cap

TOKEN_TYPES = ("input", "output", "cached_input")
# One recorded call: (monotonic_s, series, latency_s, input_tokens, output_tokens,
# cached_input_tokens, ttfc_s, input_usd, output_usd, cached_input_usd); tokens and TTFC
# are None when not reported, the costs None when the call was not priced.
Record = tuple[float, "Series", float, "int | None", "int | None", "int | None",
               "float | None", "float | None", "float | None", "float | None"]


class ModelState:
    """One model: registration, price, buffers and totals (guarded by the domain's lock).

    Attributes:
        name: Model name as recorded (``gen_ai.request.model``).
        version, provider, task: From ``register_model`` (None when not given).
        registered: Whether ``register_model`` was called.
        price: Resolved price (None when unpriced).
        latencies: Recent calls' records (see :data:`Record`); the same tuples are in
            the domain's recent-inference buffer.
        predictions: Recent predictions passed to ``record_inference`` (for drift).
        calls, priced_calls, unpriced_calls: Calls since start; calls that reported
            tokens with and without a price.
        tokens: Input, output and cached-input tokens reported since start.
        cost: USD of uncached input, output and cached input since start.
        errors: Failed calls by ``error.type``.
        quality: Latest ``calculate_*`` result by kind.
        online: Confusion accumulator of labelled inferences (None until one arrives).
        drift: Drift trackers by feature (``_prediction`` for the predictions); see
            :mod:`.drift`.
        fairness: Per-group outcome counts and evaluations (None until first use).
    """

    __slots__ = (
        "calls",
        "cost",
        "drift",
        "errors",
        "fairness",
        "latencies",
        "name",
        "online",
        "predictions",
        "price",
        "priced_calls",
        "provider",
        "quality",
        "registered",
        "task",
        "tokens",
        "unpriced_calls",
        "unpriced_logged",
        "version",
    )

    def __init__(self, name: str, latency_buffer: int, prediction_buffer: int) -> None:
        self.name = name
        self.version: str | None = None
        self.provider: str | None = None
        self.task: str | None = None
        self.registered = False
        self.price: ModelPrice | None = None
        self.latencies: deque[Record] = deque(maxlen=latency_buffer)
        self.predictions: deque[Any] = deque(maxlen=prediction_buffer)
        self.calls = 0
        self.priced_calls = 0
        self.unpriced_calls = 0
        self.unpriced_logged = False
        self.tokens = [0, 0, 0]
        self.cost = [0.0, 0.0, 0.0]
        self.errors: dict[str, int] = {}
        self.quality: dict[str, Any] = {}
        self.online: Any = None
        self.drift: dict[str, FeatureTracker] = {}
        self.fairness: FairnessState | None = None


class CostCell:
    """Cost and unpriced-call sums of one (model, provider), exported at collection.

    ``measure.model.cost`` and ``measure.model.cost.unpriced`` are observable counters
    over these cells (guarded by the registry's lock). To export the very floats a
    synchronous ``Counter`` would, a cell sums like the SDK's cumulative sum does: adds
    since the last collection go to ``pending`` (None when there were none), and each
    collection folds them into ``totals`` (``pending + totals``).

    Attributes:
        attrs: Attribute dicts of the input, output and cached-input cost points.
        unpriced_attrs: Attribute dict of the unpriced-call count.
        pending: USD added per token type since the last collection, or None.
        totals: USD per token type up to the last collection.
        seen: Whether a token type ever got a non-zero add (its point is exported).
        unpriced: Calls that reported tokens without a price.
    """

    __slots__ = ("attrs", "pending", "seen", "totals", "unpriced", "unpriced_attrs")

    def __init__(self, model: str, provider: str) -> None:
        model_provider = {ATTR_GEN_AI_REQUEST_MODEL: model, ATTR_GEN_AI_PROVIDER_NAME: provider}
        self.unpriced_attrs = model_provider
        self.attrs = tuple({**model_provider, ATTR_GEN_AI_TOKEN_TYPE: token_type}
                           for token_type in TOKEN_TYPES)
        self.pending: list[float | None] = [None, None, None]
        self.totals: list[float] = [0, 0, 0]  # ints like the SDK's first previous value
        self.seen = [False, False, False]
        self.unpriced = 0

    def add(self, costs: tuple[float, float, float], order: list[tuple[CostCell, int]]
            ) -> None:
        """Add one call's USD per token type (caller holds the lock); zeros are skipped.

        A token type's first add appends ``(self, index)`` to ``order``: the SDK creates
        its points in that order, which decides who is past a cardinality limit.
        """
        pending = self.pending
        for index in (0, 1, 2):
            amount = costs[index]
            if amount:
                value = pending[index]
                if value is None:
                    pending[index] = 0 + amount  # the SDK starts each delta at int 0
                    if not self.seen[index]:
                        self.seen[index] = True
                        order.append((self, index))
                else:
                    pending[index] = value + amount

    def fold(self, index: int) -> float:
        """Fold the pending USD of a token type into its total and return the total."""
        value = self.pending[index]
        self.pending[index] = None
        total = self.totals[index] = (0 if value is None else value) + self.totals[index]
        return total


class Series:
    """Attribute dicts for one (model, operation, provider, error type), built once.

    The dicts are handed to the OpenTelemetry instruments as they are; nothing may
    mutate them after construction.
    """

    __slots__ = (
        "cell",
        "duration_attrs",
        "error_type",
        "genai",
        "input_attrs",
        "operation",
        "output_attrs",
        "provider",
        "state",
        "stream_attrs",
        "unpriced_attrs",
    )

    def __init__(self, state: ModelState, operation: str, provider: str,
                 error_type: str | None, cell: CostCell,
                 extra: tuple[tuple[str, Any], ...] = ()) -> None:
        self.state = state
        self.cell = cell
        self.operation = operation
        self.provider = provider
        self.error_type = error_type
        # GenAI operations go to gen_ai.client.*; others (predict...) are classical models.
        self.genai = operation in GEN_AI_OPERATIONS
        base = {
            ATTR_GEN_AI_OPERATION_NAME: operation,
            ATTR_GEN_AI_PROVIDER_NAME: provider,
            ATTR_GEN_AI_REQUEST_MODEL: state.name,
            **dict(extra),  # gen_ai.response.model, server.address, server.port when known
        }
        self.stream_attrs = base
        self.duration_attrs = base if error_type is None else {
            **base, ATTR_ERROR_TYPE: error_type}
        self.input_attrs = {**base, ATTR_GEN_AI_TOKEN_TYPE: "input"}
        self.output_attrs = {**base, ATTR_GEN_AI_TOKEN_TYPE: "output"}


class FairnessState:
    """One model's fairness groups and outcome counts (guarded by the registry's lock).

    Groups are bounded: those declared with ``register_model(groups=...)``, or else the
    first ``max_groups`` values seen; any other value counts as :data:`OTHER_GROUP`.
    """

    __slots__ = ("admitted", "cached", "cached_version", "declared", "evaluation", "latest",
                 "max_groups", "online", "version")

    def __init__(self, max_groups: int) -> None:
        self.max_groups = max_groups
        self.declared: dict[Hashable, None] | None = None
        self.admitted: dict[Hashable, None] = {}
        self.online = GroupConfusion()
        self.evaluation: dict[Hashable, list[int]] = {}  # [tp, fp, tn, fn] summed
        self.latest: FairnessMetrics | None = None  # latest evaluation
        self.version = 0
        self.cached: FairnessMetrics | None = None  # online metrics at cached_version
        self.cached_version = -1

    def group_for(self, group: Hashable) -> Hashable:
        """The bucket of a valid group value (without admitting it)."""
        if self.declared is not None:
            return group if group in self.declared else OTHER_GROUP
        if group in self.admitted or len(self.admitted) < self.max_groups:
            return group
        return OTHER_GROUP

    def admit(self, group: Hashable) -> None:
        """Remember a group that got counts (undeclared groups only)."""
        if self.declared is None and group != OTHER_GROUP and group not in self.admitted:
            self.admitted[group] = None
