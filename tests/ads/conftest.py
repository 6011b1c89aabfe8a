"""Fixtures for tests/ads: per-store rights (`grant`)."""

from tests.staff.grants import grant  # noqa: F401
