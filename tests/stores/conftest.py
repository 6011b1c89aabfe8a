"""Fixtures for tests/stores: per-store rights (`grant`) and a simulated Shopee partner and shop (`shopee`)."""

from tests.staff.grants import grant  # noqa: F401
from tests.stores.connection_support import shopee  # noqa: F401
