"""The org chart section of the account page (see kam.accounts.sections)."""


def register_sections() -> None:
    """Called from PeopleConfig.ready()."""
