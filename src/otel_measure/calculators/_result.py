"""Base for the frozen result dataclasses that calculators return."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = ["Result", "to_plain"]


def to_plain(value: Any) -> Any:
    """Turn a result value into JSON-serialisable data (NaN and inf become None)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class Result:
    """Mixin giving frozen result dataclasses a ``to_dict()``."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dict."""
        plain = to_plain(self)
        assert isinstance(plain, dict)
        return plain
