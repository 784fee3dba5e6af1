"""Reliability: hostile input, fork, floods and stuck connections (docs/reliability.md)."""
