"""Infrastructure metrics from one snapshot per collection, through an injected psutil."""

from __future__ import annotations

import time
from typing import Any

import pytest

from otel_measure.instruments import InfrastructureMetrics
from otel_measure.names import CATALOG
from otel_measure.options import InfrastructureOptions
from tests.support.fake_psutil import GIB
from tests.support.infrastructure import InfrastructureRig
from tests.support.rig import Rig, by_attr


@pytest.fixture
def rig() -> InfrastructureRig:
    """A fresh rig."""
    return InfrastructureRig()


def test_first_collection_reports_true_utilization(rig: InfrastructureRig) -> None:
    """The first collection already reports deltas against the construction baseline."""
    rig.fake.cpu = {**rig.fake.cpu, "user": 130.0, "system": 60.0, "idle": 860.0, "guest": 9.0}
    rig.fake.proc_cpu = {"user": 3.0, "system": 1.5}
    rig.tick(10.0)
    points = rig.all_points()
    cpu = by_attr(points["system.cpu.utilization"], "cpu.mode")
    assert cpu["user"] == pytest.approx(30 / 100)  # guest is inside user: not double counted
    assert cpu["system"] == pytest.approx(10 / 100)
    assert cpu["idle"] == pytest.approx(60 / 100)
    assert cpu["interrupt"] == 0.0
    proc = by_attr(points["process.cpu.utilization"], "cpu.mode")
    assert proc["user"] == pytest.approx(1.0 / (10.0 * 2))  # 2 CPUs in the affinity mask
    assert proc["system"] == pytest.approx(0.5 / (10.0 * 2))
    assert by_attr(points["process.cpu.time"], "cpu.mode") == {"user": 3.0, "system": 1.5}
    assert by_attr(points["system.cpu.time"], "cpu.mode")["interrupt"] == 2.0  # irq + softirq


def test_memory_paging_and_process_values(rig: InfrastructureRig) -> None:
    """used = total - available; paging by state; process gauges from the snapshot."""
    points = rig.all_points()
    assert by_attr(points["system.memory.usage"], "system.memory.state") == {
        "used": 4 * GIB, "free": 10 * GIB, "buffers": GIB, "cached": GIB}
    assert by_attr(points["system.memory.utilization"], "system.memory.state")["used"] == 0.25
    assert points["system.memory.limit"][0].value == 16 * GIB
    assert by_attr(points["system.paging.usage"], "system.paging.state") == {
        "used": GIB, "free": 3 * GIB}
    assert by_attr(points["system.paging.utilization"], "system.paging.state")["used"] == 0.25
    assert points["process.memory.usage"][0].value == 300 * 2**20
    assert points["process.memory.virtual"][0].value == 2 * GIB
    assert points["process.thread.count"][0].value == 7
    assert points["process.unix.file_descriptor.count"][0].value == 12
    assert by_attr(points["process.context_switches"], "process.context_switch.type") == {
        "voluntary": 30, "involuntary": 4}
    assert by_attr(points["process.disk.io"], "disk.io.direction") == {"read": 2048, "write": 4096}
    assert points["process.uptime"][0].value == 500.0
    assert points["system.uptime"][0].value == 1_000.0
    assert points["system.cpu.logical.count"][0].value == 8
    assert points["system.cpu.frequency"][0].value == 2.5e9


def test_disk_filesystem_and_network_attributes(rig: InfrastructureRig) -> None:
    """Disk, filesystem and network metrics carry the conventions' attributes and units."""
    points = rig.all_points()
    io = by_attr(points["system.disk.io"], "system.device", "disk.io.direction")
    assert io == {("sda", "read"): 10_000, ("sda", "write"): 5_000}  # loop0 excluded by default
    ops = by_attr(points["system.disk.operations"], "system.device", "disk.io.direction")
    assert ops[("sda", "read")] == 100
    op_time = by_attr(points["system.disk.operation_time"], "system.device", "disk.io.direction")
    assert op_time[("sda", "read")] == 1.5  # milliseconds → seconds
    assert by_attr(points["system.disk.io_time"], "system.device") == {"sda": 0.9}
    usage = by_attr(points["system.filesystem.usage"], "system.filesystem.mountpoint",
                    "system.filesystem.state")
    assert usage[("/", "used")] == 60 * GIB
    assert usage[("/", "reserved")] == 5 * GIB
    assert {m for m, _ in usage} == {"/", "/data"}  # proc and tmpfs are pseudo filesystems
    modes = {p.attributes["system.filesystem.mode"] for p in points["system.filesystem.limit"]
             if p.attributes["system.filesystem.mountpoint"] == "/data"}
    assert modes == {"ro"}
    util = by_attr(points["system.filesystem.utilization"], "system.filesystem.mountpoint",
                   "system.filesystem.state")
    assert util[("/data", "used")] == pytest.approx(0.9)
    net = by_attr(points["system.network.io"], "network.interface.name", "network.io.direction")
    assert net == {("eth0", "transmit"): 1000, ("eth0", "receive"): 4000}
    assert by_attr(points["system.network.packet.dropped"], "network.io.direction") == {
        "transmit": 4, "receive": 3}
    assert by_attr(points["system.network.errors"], "network.io.direction") == {
        "transmit": 2, "receive": 1}


def test_psutil_called_once_per_collection(rig: InfrastructureRig) -> None:
    """Every callback shares one snapshot: each psutil probe runs once per collection."""
    rig.fake.calls.clear()
    rig.reader.get_metrics_data()
    once = {"cpu_times", "virtual_memory", "cpu_count", "cpu_freq", "swap_memory",
            "disk_io_counters", "disk_partitions", "net_io_counters", "boot_time",
            "process.cpu_times", "process.memory_info"}
    assert {k: v for k, v in rig.fake.calls.items() if k != "disk_usage"} == dict.fromkeys(
        once, 1)
    assert rig.fake.calls["disk_usage"] == 2  # one statvfs per real filesystem
    rig.reader.get_metrics_data()
    assert rig.fake.calls["cpu_times"] == 2


def test_every_declared_infrastructure_metric_is_exported_with_unit(rig: InfrastructureRig) -> None:
    """Each metric in names/infrastructure.py (GPU aside) exports with unit and description."""
    rig = InfrastructureRig(InfrastructureOptions(gpu=False, connection_states=True))
    rig.tick(5.0)
    rig.fake.cpu = {**rig.fake.cpu, "user": 110.0}
    rig.infra.services.register_service("db", lambda: True)
    # The scheduler thread may take the first check itself: wait for its outcome.
    deadline = time.monotonic() + 30
    while rig.infra.get_availability_metrics("db").status == "unknown":
        assert time.monotonic() < deadline, "the first health check never finished"
        rig.infra.services.run_pending(wait=True)
        time.sleep(0.01)
    with rig.infra.track_request("GET", "/"):
        pass
    data = rig.reader.get_metrics_data()
    rig.infra.close()
    assert data is not None
    exported = {m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics
                for m in sm.metrics}
    expected = [m for m in CATALOG if m.domain == "infrastructure"
                and not m.name.startswith("hw.")]  # GPU: tests/test_gpu.py
    for metric in expected:
        assert metric.name in exported, metric.name
        assert exported[metric.name].unit == metric.unit
        assert exported[metric.name].description == metric.description


def test_connection_counts_from_procfs_and_psutil(tmp_path: Any) -> None:
    """Connections by transport and TCP state: from /proc/net files, else psutil."""
    rig = InfrastructureRig(InfrastructureOptions(gpu=False, connection_states=True))
    got = {(p.attributes["network.transport"], p.attributes.get("network.connection.state")):
           p.value for p in rig.all_points()["system.network.connection.count"]}
    assert got == {("tcp", "established"): 2, ("tcp", "listen"): 1, ("tcp", "syn_received"): 1,
                   ("udp", None): 1}
    net = tmp_path / "net"
    net.mkdir()
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt\n"
    row = "   0: 00000000:1F90 00000000:0000 {st} 00000000:00000000 00:00000000 00000000\n"
    (net / "tcp").write_text(header + row.format(st="0A") + row.format(st="01"))
    (net / "tcp6").write_text(header + row.format(st="06"))
    (net / "udp").write_text(header + row.format(st="07"))
    rig.fake.PROCFS_PATH = str(tmp_path)  # type: ignore[attr-defined]
    got = {(p.attributes["network.transport"], p.attributes.get("network.connection.state")):
           p.value for p in rig.all_points()["system.network.connection.count"]}
    assert got == {("tcp", "listen"): 1, ("tcp", "established"): 1, ("tcp", "time_wait"): 1,
                   ("udp", None): 1}


def test_connection_totals_from_sockstat(tmp_path: Any) -> None:
    """By default connections are per-transport totals from /proc/net/sockstat{,6}."""
    net = tmp_path / "net"
    net.mkdir()
    (net / "sockstat").write_text("sockets: used 40\nTCP: inuse 7 orphan 0 tw 4 alloc 9 mem 3\n"
                                  "UDP: inuse 2 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\n")
    (net / "sockstat6").write_text("TCP6: inuse 3\nUDP6: inuse 1\nUDPLITE6: inuse 0\n")
    rig = InfrastructureRig()
    rig.fake.PROCFS_PATH = str(tmp_path)  # type: ignore[attr-defined]
    points = rig.all_points()["system.network.connection.count"]
    assert {p.attributes["network.transport"]: p.value for p in points} == {"tcp": 14, "udp": 3}
    assert all("network.connection.state" not in p.attributes for p in points)
    assert "net_connections" not in rig.fake.calls


def test_failing_probe_is_skipped_logged_once_and_counted(
    rig: InfrastructureRig, caplog: pytest.LogCaptureFixture
) -> None:
    """A probe that raises drops only its metrics; the rest still report."""
    rig.fake.fail.add("virtual_memory")
    with caplog.at_level("WARNING", logger="otel_measure"):
        rig.reader.get_metrics_data()
        points = rig.all_points()
    assert not points.get("system.memory.usage")
    assert points["process.memory.usage"][0].value == 300 * 2**20
    assert caplog.text.count("skipped the virtual_memory probe") == 1
    assert rig.infra.probe_failures["virtual_memory"] == 2


def test_groups_exclusions_and_per_cpu() -> None:
    """Groups switch families off; globs exclude metrics and devices; per_cpu adds numbers."""
    rig = InfrastructureRig(InfrastructureOptions(gpu=False, process=False, network=False,
                                                  per_cpu=True,
                                                  exclude=("system.disk.io_time", "/data")))
    points = rig.all_points()
    assert not any(name.startswith(("process.", "cpython.", "system.network"))
                   for name in points)
    assert "system.disk.io_time" not in points
    assert "loop0" in {p.attributes["system.device"] for p in points["system.disk.io"]}
    assert {p.attributes["system.filesystem.mountpoint"]
            for p in points["system.filesystem.limit"]} == {"/"}
    numbers = {p.attributes["cpu.logical_number"] for p in points["system.cpu.time"]}
    assert numbers == {0, 1}
    assert by_attr(points["system.cpu.frequency"], "cpu.logical_number") == {0: 2.4e9, 1: 2.6e9}


def test_per_device_off_sums_devices() -> None:
    """per_device=False reports host totals without system.device or interface names."""
    rig = InfrastructureRig(InfrastructureOptions(gpu=False, per_device=False, exclude=()))
    points = rig.all_points()
    io = {p.attributes["disk.io.direction"]: p.value for p in points["system.disk.io"]}
    assert io == {"read": 10_000, "write": 5_000}  # sda + loop0 (all zero)
    assert all("system.device" not in p.attributes for p in points["system.disk.io"])
    assert [p.value for p in points["system.disk.io_time"]] == [0.9]
    net = {p.attributes["network.io.direction"]: p.value for p in points["system.network.io"]}
    assert net == {"transmit": 1000, "receive": 4000}


def test_exclusions_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """OTEL_MEASURE_INFRA_EXCLUDE feeds the default exclusion globs."""
    monkeypatch.setenv("OTEL_MEASURE_INFRA_EXCLUDE", "eth*, system.paging.*")
    assert InfrastructureOptions().exclude == ("eth*", "system.paging.*")
    points = InfrastructureRig(InfrastructureOptions(gpu=False)).all_points()
    assert not points.get("system.network.io") and "system.paging.usage" not in points


@pytest.mark.parametrize("kwargs", [{"sample_interval_s": 0}, {"history_size": -1},
                                    {"cpu_degraded": 0.99, "cpu_critical": 0.9},
                                    {"exclude": "lo"}])
def test_bad_options_name_the_field(kwargs: dict[str, Any]) -> None:
    """Invalid options raise OtelMeasureConfigError naming the field."""
    from otel_measure import OtelMeasureConfigError

    with pytest.raises(OtelMeasureConfigError, match=next(iter(kwargs))):
        InfrastructureOptions(**kwargs)


def test_collect_methods_and_rates(rig: InfrastructureRig) -> None:
    """collect_* return frozen results; network and disk rates are per second."""
    rig.tick(4.0)
    rig.fake.nic = {**rig.fake.nic, "bytes_sent": 1400, "bytes_recv": 6000}
    rig.fake.disk = {**rig.fake.disk, "read_bytes": 18_000}
    net = rig.infra.collect_network_metrics()
    assert net.sent_bytes_per_s == 100.0 and net.recv_bytes_per_s == 500.0
    assert net.bytes_recv == 6000 and net.interval_s == 4.0
    rig.tick(2.0)
    rig.fake.disk = {**rig.fake.disk, "read_bytes": 22_000}
    disk = rig.infra.collect_disk_metrics()
    assert disk.read_bytes_per_s == 2000.0
    assert disk.max_utilization == pytest.approx(0.9)
    mem = rig.infra.collect_memory_metrics()
    assert mem.utilization == 0.25 and mem.swap_utilization == 0.25
    assert mem.to_dict()["total"] == 16 * GIB
    with pytest.raises(AttributeError):
        mem.total = 1  # type: ignore[misc]


def test_health_status_from_thresholds(rig: InfrastructureRig) -> None:
    """The fullest filesystem at 90% is degraded by default and critical at 0.85."""
    snap = rig.infra.collect_system_snapshot()
    assert snap.status == "degraded"
    assert any("fullest filesystem" in r for r in snap.reasons)
    strict = InfrastructureRig(InfrastructureOptions(gpu=False, disk_degraded=0.5,
                                                     disk_critical=0.85))
    assert strict.infra.collect_system_snapshot().status == "critical"
    calm = InfrastructureRig(InfrastructureOptions(gpu=False, disk_degraded=0.95,
                                                   disk_critical=0.99))
    result = calm.infra.collect_system_snapshot()
    assert (result.status, result.reasons) == ("healthy", ())


def test_metrics_summary_over_window(rig: InfrastructureRig) -> None:
    """The sampler's history gives min / mean / max / p95 equal to numpy's over the window."""
    import numpy as np

    busy = []
    for step in range(30):
        rig.tick(10.0)
        user = 5.0 * (step % 7)
        rig.fake.cpu = {**rig.fake.cpu, "user": rig.fake.cpu["user"] + user,
                        "idle": rig.fake.cpu["idle"] + (50.0 - user)}
        rig.infra.sample()
        busy.append(user / 50.0)
    summary = rig.infra.get_metrics_summary(window_s=100.0, now=rig.wall_clock())
    window = busy[-11:]  # samples at now-100 .. now inclusive
    cpu = summary.resources["cpu_utilization"]
    assert summary.samples == 11 and cpu.samples == 11
    assert cpu.min == pytest.approx(min(window)) and cpu.max == pytest.approx(max(window))
    assert cpu.mean == pytest.approx(float(np.mean(window)))
    assert cpu.p95 == pytest.approx(float(np.quantile(window, 0.95)))
    assert summary.status_counts == {"degraded": 11}
    with pytest.raises(ValueError, match="window_s"):
        rig.infra.get_metrics_summary(window_s=0)


def test_history_is_bounded() -> None:
    """The sampler keeps at most history_size snapshots."""
    rig = InfrastructureRig(InfrastructureOptions(gpu=False, history_size=5))
    for _ in range(20):
        rig.tick(1.0)
        rig.infra.sample()
    assert rig.infra.get_metrics_summary(window_s=1e9, now=rig.wall_clock()).samples == 5


def test_live_machine_readings_are_sensible() -> None:
    """On the real machine the readings are within physical bounds."""
    rig = Rig()
    infra = InfrastructureMetrics(rig.meter, rig.rejections, InfrastructureOptions(),
                                  start_sampler=False)
    sum(i * i for i in range(200_000))
    points = rig.all_points()
    shares = by_attr(points["system.cpu.utilization"], "cpu.mode")
    assert not shares or sum(shares.values()) == pytest.approx(1.0)
    assert all(0.0 <= v <= 1.0 for v in shares.values())
    assert 0 < points["process.memory.usage"][0].value < points["system.memory.limit"][0].value
    assert points["process.uptime"][0].value >= 0
    assert infra.collect_system_snapshot().status in ("healthy", "degraded", "critical")
    infra.close()
