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
