"""NVIDIA GPU metrics under the ``hw.*`` conventions, through NVML (extra ``gpu``).

One NVML pass per collection reads every GPU; all ``hw.*`` callbacks share it. Without
``nvidia-ml-py`` or without a GPU the instruments are not created and one info line says
why. Tests inject a stand-in NVML module.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.names import MetricName, create_instrument
from otel_measure.names.attributes import ATTR_HW_ID, ATTR_HW_NAME, ATTR_HW_TYPE, ATTR_HW_VENDOR
from otel_measure.names.infrastructure import (
    HW_GPU_MEMORY_LIMIT,
    HW_GPU_MEMORY_USAGE,
    HW_GPU_MEMORY_UTILIZATION,
    HW_GPU_UTILIZATION,
    HW_POWER,
    HW_TEMPERATURE,
)

__all__ = ["GpuMetrics", "GpuReading", "load_nvml"]

_log = logging.getLogger("otel_measure")


@dataclass(frozen=True)
class GpuReading:
    """One GPU at one instant; a field NVML could not read is ``None``."""

    index: int
    uuid: str
    name: str
    utilization: float | None
    memory_used: int | None
    memory_total: int | None
    temperature_c: float | None
    power_w: float | None

    def attributes(self) -> dict[str, str]:
        """The ``hw.*`` identity attributes."""
        return {ATTR_HW_ID: self.uuid, ATTR_HW_NAME: self.name, ATTR_HW_VENDOR: "nvidia"}


def load_nvml() -> tuple[Any, str | None]:
    """Import and initialise NVML; return ``(module, None)`` or ``(None, why not)``."""
    try:
        import pynvml
    except ImportError:
        return None, "nvidia-ml-py is not installed (pip install 'otel-measure[gpu]')"
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, _DriverNotLoaded...
        return None, f"NVML could not start ({exc}); no NVIDIA driver or GPU here"
    return pynvml, None


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class GpuMetrics:
    """``hw.gpu.*``, ``hw.temperature`` and ``hw.power`` for every NVIDIA GPU.

    Args:
        meter: Meter for the instruments.
        nvml: An initialised NVML module (``pynvml`` or a stand-in); ``None`` loads it.
        on_failure: Called with (probe name, exception) when an NVML call fails.
    """

    def __init__(
        self,
        meter: Meter,
        nvml: Any = None,
        on_failure: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        self.reason: str | None = None
        if nvml is None:
            nvml, self.reason = load_nvml()
        self._nvml = nvml
        self._on_failure = on_failure or (lambda _name, _exc: None)
        self._lock = threading.Lock()
        self._handles: list[Any] = []
        self._readings: tuple[GpuReading, ...] = ()
        if nvml is not None:
            try:
                self._handles = [nvml.nvmlDeviceGetHandleByIndex(i)
                                 for i in range(nvml.nvmlDeviceGetCount())]
            except Exception as exc:
                self.reason = f"NVML could not list GPUs ({exc})"
            if not self._handles and self.reason is None:
                self.reason = "NVML reports no GPU"
        if self.reason is not None:
            _log.info("otel-measure: GPU metrics are off: %s", self.reason)
            return
        self._identity = [(_text(nvml.nvmlDeviceGetUUID(h)), _text(nvml.nvmlDeviceGetName(h)))
                          for h in self._handles]
        self._register(meter)

    @property
    def available(self) -> bool:
        """Whether GPU instruments were created."""
        return self.reason is None

    def _call(self, probe: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:  # one unsupported query must not hide the others
            self._on_failure(f"nvml.{probe}", exc)
            return None

    def read(self) -> tuple[GpuReading, ...]:
        """One NVML pass over every GPU."""
        nvml = self._nvml
        out = []
        for index, (handle, (uuid, name)) in enumerate(
                zip(self._handles, self._identity, strict=True)):
            util = self._call("utilization", partial(nvml.nvmlDeviceGetUtilizationRates, handle))
            mem = self._call("memory", partial(nvml.nvmlDeviceGetMemoryInfo, handle))
            temp = self._call("temperature", partial(nvml.nvmlDeviceGetTemperature, handle,
                                                     nvml.NVML_TEMPERATURE_GPU))
            power = self._call("power", partial(nvml.nvmlDeviceGetPowerUsage, handle))
            out.append(GpuReading(
                index, uuid, name,
                util.gpu / 100.0 if util is not None else None,
                int(mem.used) if mem is not None else None,
                int(mem.total) if mem is not None else None,
                float(temp) if temp is not None else None,
                power / 1000.0 if power is not None else None,  # NVML reports milliwatts
            ))
        readings = tuple(out)
        with self._lock:
            self._readings = readings
        return readings

    def latest(self) -> tuple[GpuReading, ...]:
        """The readings of the last pass."""
        with self._lock:
            return self._readings

    def _register(self, meter: Meter) -> None:
        def values(reading: GpuReading, metric: MetricName) -> float | None:
            if metric is HW_GPU_UTILIZATION:
                return reading.utilization
            if metric is HW_GPU_MEMORY_USAGE:
                return reading.memory_used
            if metric is HW_GPU_MEMORY_LIMIT:
                return reading.memory_total
            if metric is HW_GPU_MEMORY_UTILIZATION:
                if reading.memory_used is None or not reading.memory_total:
                    return None
                return reading.memory_used / reading.memory_total
            if metric is HW_TEMPERATURE:
                return reading.temperature_c
            return reading.power_w

        metrics = (HW_GPU_UTILIZATION, HW_GPU_MEMORY_USAGE, HW_GPU_MEMORY_LIMIT,
                   HW_GPU_MEMORY_UTILIZATION, HW_TEMPERATURE, HW_POWER)
        for position, metric in enumerate(metrics):
            extra = {ATTR_HW_TYPE: "gpu"} if metric in (HW_TEMPERATURE, HW_POWER) else {}

            def callback(_o: CallbackOptions, metric: MetricName = metric,
                         first: bool = position == 0, extra: dict[str, str] = extra
                         ) -> Iterable[Observation]:
                readings = self.read() if first else self.latest()
                for r in readings:
                    value = values(r, metric)
                    if value is not None:
                        yield Observation(value, {**r.attributes(), **extra})

            create_instrument(meter, metric, callbacks=[callback])

    def dashboard_section(self) -> dict[str, Any]:
        """GPU part of the infrastructure dashboard."""
        if not self.available:
            return {"available": False, "reason": self.reason}
        readings = self.latest() or self.read()
        return {"available": True, "gpus": [r.__dict__ for r in readings]}
