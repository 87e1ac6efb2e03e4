"""Contacts for the visits' tests, made through the people services on the cast's accounts."""

from types import SimpleNamespace

import pytest

from kam.people import services as people


@pytest.fixture
def contacts(cast):
    """Two people at east_account (the owner's), one at south_account (the outsider's)."""
    return SimpleNamespace(
        wang=people.create_contact(cast.east_account, name="王总", title="总经理", by=cast.boss),
        li=people.create_contact(cast.east_account, name="李工", title="技术部长", by=cast.boss),
        chen=people.create_contact(cast.south_account, name="陈院长", by=cast.boss),
    )


@pytest.fixture
def api_as(cast):
    """api_as("owner_kam") → an API client with a fresh token of that member of the cast,
    asking for English."""
    from kam.api.tests.conftest import TokenClient
    from kam.users import services as users

    def make(username: str) -> TokenClient:
        _row, token = users.create_api_token(getattr(cast, username), "test")
        return TokenClient(token, HTTP_ACCEPT_LANGUAGE="en")

    return make
