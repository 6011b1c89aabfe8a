"""Shared fixtures. The suite runs on PostgreSQL and Redis; see README."""

import pytest

from core.testing import verified_login


@pytest.fixture
def login(client):
    """login(user) signs the test client in with a verified second factor."""

    def _login(user):
        verified_login(client, user)
        return client

    return _login
