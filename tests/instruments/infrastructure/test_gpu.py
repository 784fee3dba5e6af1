"""GPU metrics through an injected NVML stand-in: one pass per collection, hw.* names."""

from __future__ import annotations

import pytest

from otel_measure.instruments.infrastructure.gpu import GpuMetrics, load_nvml
from tests.support.fake_nvml import FakeNvml
from tests.support.infrastructure import GpuRig
from tests.support.rig import Rig


def test_gpu_metrics_values_units_and_attributes() -> None:
    """Each GPU reports hw.* values with hw.id, hw.name, hw.vendor; power in watts."""
    rig = GpuRig()
    points = rig.all_points()
    util = {p.attributes["hw.id"]: p.value for p in points["hw.gpu.utilization"]}
    assert util == {"GPU-0": 0.37, "GPU-1": 0.9}
    attrs = dict(points["hw.gpu.utilization"][0].attributes)
    assert attrs == {"hw.id": "GPU-0", "hw.name": "NVIDIA H100 80GB HBM3", "hw.vendor": "nvidia"}
    assert {p.attributes["hw.id"]: p.value for p in points["hw.gpu.memory.usage"]} == {
        "GPU-0": 20 * 2**30, "GPU-1": 60 * 2**30}
    assert all(p.value == 80 * 2**30 for p in points["hw.gpu.memory.limit"])
    assert {p.attributes["hw.id"]: p.value for p in points["hw.gpu.memory.utilization"]} == {
        "GPU-0": 0.25, "GPU-1": 0.75}
    temps = {p.attributes["hw.id"]: p.value for p in points["hw.temperature"]}
    assert temps == {"GPU-0": 45.0, "GPU-1": 71.0}
    assert points["hw.temperature"][0].attributes["hw.type"] == "gpu"
    power = {p.attributes["hw.id"]: p.value for p in points["hw.power"]}
    assert power == {"GPU-0": 312.5}  # GPU-1 cannot report power: left out, not 0
    assert [name for name, _ in rig.failures] == ["nvml.power"]


def test_one_nvml_pass_per_collection() -> None:
    """All hw.* callbacks share one pass: each query runs once per GPU per collection."""
    rig = GpuRig()
    rig.reader.get_metrics_data()
    assert rig.nvml.calls == {"utilization": 2, "memory": 2}
    rig.reader.get_metrics_data()
    assert rig.nvml.calls == {"utilization": 4, "memory": 4}


def test_units_follow_conventions() -> None:
    """Utilization is 1, memory By, temperature Cel, power W."""
    rig = GpuRig()
    data = rig.reader.get_metrics_data()
    assert data is not None
    units = {m.name: m.unit for rm in data.resource_metrics for sm in rm.scope_metrics
             for m in sm.metrics}
    assert units == {"hw.gpu.utilization": "1", "hw.gpu.memory.usage": "By",
                     "hw.gpu.memory.limit": "By", "hw.gpu.memory.utilization": "1",
                     "hw.temperature": "Cel", "hw.power": "W"}


def test_without_nvml_instruments_are_absent(caplog: pytest.LogCaptureFixture) -> None:
    """No nvidia-ml-py or no GPU: no hw.* instrument, one info line saying why."""
    nvml, reason = load_nvml()
    if nvml is not None:
        pytest.skip("a real NVML is present: the absent path cannot be shown here")
    assert reason is not None
    rig = Rig()
    with caplog.at_level("INFO", logger="otel_measure"):
        gpu = GpuMetrics(rig.meter)
    assert not gpu.available and gpu.dashboard_section()["reason"] == reason
    assert caplog.text.count("GPU metrics are off") == 1
    data = rig.reader.get_metrics_data()
    names = {m.name for rm in (data.resource_metrics if data else []) for sm in rm.scope_metrics
             for m in sm.metrics}
    assert not any(name.startswith("hw.") for name in names)


def test_nvml_without_gpus_is_reported() -> None:
    """NVML that lists no GPU leaves the instruments out with that reason."""
    nvml = FakeNvml()
    nvml.nvmlDeviceGetCount = lambda: 0  # type: ignore[method-assign]
    gpu = GpuMetrics(Rig().meter, nvml)
    assert not gpu.available and gpu.reason == "NVML reports no GPU"
