"""The visit_sections of the account page (see kam.accounts.sections)."""


def register_sections() -> None:
    """Called from CareConfig.ready()."""
