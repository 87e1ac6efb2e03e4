"""A small domain app that exists only for tests: it adds a "notes" section to the account
page, with an endpoint of its own, without touching the page shell. Its AppConfig registers
the section in ready() as a real app would; the tests register it through `install` and
take it away after, so no other test sees it."""
