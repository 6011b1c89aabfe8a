"""The real platform clients against the running simulators (tests/conftest.py's `simulator`), as in
tests/clients: a fresh Shopee partner and authorized shop, a fresh Ozon seller."""

from tests.clients.conftest import closing, make_ozon, make_shopee, policy, shopee, sleeps  # noqa: F401
