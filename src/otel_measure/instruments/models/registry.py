"""The registry of ``m.models``: every model's state, registration, caps and the series cache.

One lock (:attr:`ModelRegistry.lock`) guards the registry and every :class:`ModelState`;
the recorder and the drift and fairness monitors take the same lock. Queries copy a
model's state under the lock (:meth:`ModelRegistry.copy`) and compute outside it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from otel_measure.instruments._rejections import safe_repr
from otel_measure.instruments.models.checks import Checks, unknown_model
from otel_measure.instruments.models.pricing import PriceTable, provider_from_name
from otel_measure.instruments.models.snapshots import StateCopy, copy_state
from otel_measure.instruments.models.state import OTHER, CostCell, ModelState, Series
from otel_measure.options import ModelOptions
from otel_measure.pricing import ModelPrice

__all__ = ["ModelRegistry"]

_SERIES_LIMIT = 10_000  # beyond this many combinations, series are built per call
# Beyond this many (model, provider) cost cells, new pairs add to the last cell made (the
# memory bound; a synchronous counter would have put their points past the SDK's
# cardinality limit, default 2,000 points, into its overflow point).
_CELL_LIMIT = 10_000


class ModelRegistry:
    """Per-model state, bounded by ``max_models``, and the hot path's cached series.

    Args:
        options: Caps and buffer sizes (``max_models``, ``require_registration``...).
        prices: The price table new models are priced from.
        checks: Input checks; rejections of recording calls go through them.
    """

    def __init__(self, options: ModelOptions, prices: PriceTable, checks: Checks) -> None:
        self.options = options
        self.prices = prices
        self.checks = checks
        self.lock = threading.Lock()
        self.models: dict[str, ModelState] = {}
        # (model, operation, provider, error type) as passed by the caller -> series; read
        # without the lock on the hot path (dict reads are atomic).
        self.series: dict[tuple[Any, ...], Series] = {}
        # (model, provider) -> cost sums; the order in which points first got data.
        self.cells: dict[tuple[str, str], CostCell] = {}
        self.cost_order: list[tuple[CostCell, int]] = []
        self.unpriced_order: list[CostCell] = []

    # --- state ----------------------------------------------------------------------

    def _new_state(self, model: str) -> ModelState | None:
        """Create a model's state (caller holds the lock); None past ``max_models``."""
        if len(self.models) >= self.options.max_models:
            return None
        state = ModelState(model, self.options.latency_buffer_size,
                           self.options.prediction_buffer_size)
        state.price = self.prices.lookup(model)
        self.models[model] = state
        return state

    def recording_state(self, model: str) -> tuple[ModelState | None, tuple[str, str] | None]:
        """The state a recording call writes to, created on first use (caller holds the
        lock), or the rejection ``(reason, message)`` when the model cannot be tracked."""
        state = self.models.get(model)
        if state is not None:
            return state, None
        if self.options.require_registration:
            return None, ("models.unregistered_model",
                          f"model {model!r} is not registered; call register_model() first "
                          "or set ModelOptions(require_registration=False)")
        state = self._new_state(model)
        if state is None:  # past max_models: the one overflow model, never a lock-out
            state = self.models.get(OTHER)
            if state is None:
                state = ModelState(OTHER, self.options.latency_buffer_size,
                                   self.options.prediction_buffer_size)
                self.models[OTHER] = state
        return state, None

    def count_overflow(self, model: Any) -> None:
        """Count a call recorded into the ``_OTHER`` model because ``max_models`` was reached."""
        self.checks.rejections.count(
            "models.model_overflow",
            f"model={safe_repr(model)} is recorded as {OTHER!r}: max_models="
            f"{self.options.max_models} models are already tracked")

    def stream_state(self, model: Any) -> ModelState | None:
        """The model's state for a streaming call, or None after rejecting the call."""
        try:
            self.checks.check_name("model", model)
        except ValueError as exc:
            self.checks.rejections.reject("models.invalid_model", str(exc))
            return None
        with self.lock:
            state, failure = self.recording_state(model)
        if failure is not None:
            self.checks.rejections.reject(*failure)
        elif state is not None and state.name != model:
            self.count_overflow(model)
        return state

    def query_state(self, model: str) -> ModelState:
        """The state of a ``calculate_*`` or baseline call, created on first use.

        Raises:
            ValueError: A bad name, an unregistered model when registration is required,
                or ``max_models`` models already.
        """
        self.checks.check_name("model", model)
        with self.lock:
            state = self.models.get(model)
            if state is None and self.options.require_registration:
                raise ValueError(f"model={model!r} is not registered; call register_model()")
            state = state or self._new_state(model)
        if state is None:
            raise ValueError(f"model={model!r} cannot be tracked: max_models="
                             f"{self.options.max_models} models already are")
        return state

    def known(self, model: Any) -> ModelState:
        """The state of a recorded or registered model (caller holds the lock).

        Raises:
            ValueError: The model is unknown.
        """
        state = self.models.get(model) if isinstance(model, str) else None
        if state is None:
            raise unknown_model(model, list(self.models))
        return state

    def keep(self, state: ModelState | None, kind: str, result: Any) -> None:
        """Keep the latest quality result of a kind for the model's snapshot."""
        if state is not None:
            with self.lock:
                state.quality[kind] = result

    def provider(self, state: ModelState, given: str | None) -> str:
        """``gen_ai.provider.name``: given, registered, name prefix, price table, ``_OTHER``."""
        price = state.price
        return (given or state.provider or provider_from_name(state.name)
                or (price.provider if price is not None else None) or OTHER)

    # --- registration ---------------------------------------------------------------

    def register(self, name: str, version: str | None, provider: str | None, task: str | None,
                 price: ModelPrice | None, configure: Callable[[ModelState], None]) -> None:
        """Create or update a model's registration (arguments already checked).

        ``configure`` runs first under the lock (fairness declarations); a ValueError
        from it leaves the registration unchanged.

        Raises:
            ValueError: ``max_models`` models already, or from ``configure``.
        """
        with self.lock:
            state = self.models.get(name)
            if state is None:
                state = self._new_state(name)
                if state is None:
                    raise ValueError(f"name={name!r} cannot be registered: "
                                     f"max_models={self.options.max_models} models are tracked")
            configure(state)
            state.registered = True
            state.version, state.task = version, task
            state.provider = provider if provider is not None else state.provider
            if price is not None:
                self.prices.set_price(price)
                for other in self.models.values():  # aliases of this name may change too
                    other.price = self.prices.lookup(other.name)
            self.series.clear()  # providers may resolve differently now

    # --- the hot path's series ------------------------------------------------------

    def series_for(self, model: Any, operation: Any, provider: Any, error_type: Any,
                   extra: tuple[tuple[str, Any], ...] = ()) -> Series | None:
        """Return the cached series of a combination, creating it; None when rejected.

        ``extra`` holds the attributes a client call adds to its metrics (response model,
        server address and port); they are part of the cache key.
        """
        if not self.checks.valid_series_args(model, operation, provider, error_type):
            return None
        key = (model, operation, provider, error_type, *((extra,) if extra else ()))
        with self.lock:
            series = self.series.get(key)
            if series is not None:
                return series
            state, failure = self.recording_state(model)
            if state is not None:
                overflow = state.name != model
                if overflow:  # the _OTHER model's series; the caller's key is not cached
                    key = (OTHER, *key[1:])
                    series = self.series.get(key)
                if series is None:
                    resolved = self.provider(state, provider)
                    series = Series(state, operation, resolved,
                                    None if error_type is None else str(error_type),
                                    self._cell(state.name, resolved), extra)
                    if len(self.series) < _SERIES_LIMIT:
                        self.series[key] = series
        if state is not None:
            if overflow:  # not cached: every overflowed call is counted
                self.count_overflow(model)
            return series
        if failure is not None:
            self.checks.rejections.reject(*failure)
        return None

    def _cell(self, model: str, provider: str) -> CostCell:
        """The cost cell of (model, provider), made on first use (caller holds the lock)."""
        key = (model, provider)
        cell = self.cells.get(key)
        if cell is None:
            if len(self.cells) >= _CELL_LIMIT:
                return next(reversed(self.cells.values()))
            cell = self.cells[key] = CostCell(model, provider)
        return cell

    # --- copies for queries ---------------------------------------------------------

    def names(self) -> tuple[str, ...]:
        """Names of every recorded or registered model, sorted."""
        with self.lock:
            return tuple(sorted(self.models))

    def copy(self, model: str) -> StateCopy:
        """A consistent copy of one model's state.

        Raises:
            ValueError: The model is unknown.
        """
        with self.lock:
            state = self.known(model)
            return copy_state(state, self.provider(state, None))

    def copies(self) -> list[StateCopy]:
        """Consistent copies of every model's state."""
        with self.lock:
            return [copy_state(s, self.provider(s, None)) for s in self.models.values()]
