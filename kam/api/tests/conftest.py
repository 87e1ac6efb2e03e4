"""Tokens for the cast (kam/conftest.py), made through the service, and a client that sends
one: the API as an integration sees it."""

import pytest
from django.test import Client

from kam.users import services


class TokenClient(Client):
    """A test client that sends `Authorization: Bearer <token>` with every request."""

    def __init__(self, token: str, **defaults):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {token}", **defaults)


@pytest.fixture
def token_of(cast):
    """token_of("owner_kam") → a fresh token of that member of the cast."""

    def make(username: str) -> str:
        _row, token = services.create_api_token(getattr(cast, username), "test")
        return token

    return make


@pytest.fixture
def api_as(token_of):
    """api_as("owner_kam") → a client authenticated with that user's token."""

    def make(username: str, **defaults) -> TokenClient:
        return TokenClient(token_of(username), **defaults)

    return make
