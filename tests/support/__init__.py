"""Shared test machinery: the rigs, fakes, receivers and servers the test modules import."""
