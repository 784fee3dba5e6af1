"""Classical (non-GenAI) models stay out of gen_ai.client.*; client attributes on metrics."""

from __future__ import annotations

from tests.support.models import ModelsRig

# Spelled out independently of views/buckets.py.
MODEL_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                 5.0, 10.0)


def test_predict_goes_to_the_model_duration_histogram_only() -> None:
    """operation=predict records measure.model.operation.duration, nothing in gen_ai.*."""
    rig = ModelsRig(views=True)
    rig.models.record_inference("fraud-classifier", 0.004, operation="predict",
                                provider="internal", prediction=1)
    rig.models.record_inference("fraud-classifier", 0.2, operation="predict",
                                provider="internal", error_type="TimeoutError")
    rig.models.record_inference("acme-chat", 0.5, 10, 2)
    points = rig.all_points()
    genai = points["gen_ai.client.operation.duration"]
    assert {p.attributes["gen_ai.request.model"] for p in genai} == {"acme-chat"}
    classical = {p.attributes.get("error.type"): p for p in
                 points["measure.model.operation.duration"]}
    assert set(classical) == {None, "TimeoutError"}
    ok = classical[None]
    assert ok.attributes["gen_ai.operation.name"] == "predict"
    assert ok.attributes["gen_ai.request.model"] == "fraud-classifier"
    assert tuple(ok.explicit_bounds) == MODEL_BUCKETS
    assert ok.count == 1 and ok.sum == 0.004
    # The in-process snapshot still has both classifier calls.
    assert rig.models.get_latency_metrics("fraud-classifier").count == 2


def test_tracked_call_puts_server_and_response_model_on_metrics() -> None:
    """track_inference with server.* and a response model: those attributes on the points."""
    rig = ModelsRig()
    with rig.models.track_inference("acme-chat", provider="openai",
                                    server_address="api.example.com", server_port=443) as call:
        call.set_usage(input_tokens=10, output_tokens=2)
        call.set_response(model="acme-chat-2026-01-01")
    [duration] = rig.points("gen_ai.client.operation.duration")
    assert dict(duration.attributes) == {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "acme-chat", "gen_ai.response.model": "acme-chat-2026-01-01",
        "server.address": "api.example.com", "server.port": 443}
    tokens = rig.points("gen_ai.client.token.usage")
    assert {p.attributes["gen_ai.response.model"] for p in tokens} == {"acme-chat-2026-01-01"}
