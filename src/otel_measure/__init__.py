"""otel-measure."""
