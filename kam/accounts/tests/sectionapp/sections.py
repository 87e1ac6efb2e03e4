"""The test app's section: a count the user bumps in place (kept in memory, per account)."""

from django import forms

from kam.accounts import sections
from kam.accounts.access import Action

BUMPS: dict[int, int] = {}


class BumpForm(forms.Form):
    by = forms.IntegerField(min_value=1, max_value=10)


def notes_context(page: sections.Page) -> dict:
    return {
        "bumps": BUMPS.get(page.account.pk, 0),
        "form": page.form("bump", BumpForm),
        "may_bump": page.may(Action.EDIT),
    }


def bump(page: sections.Page):
    """Add to the account's count; a number out of range is refused with the form's error."""
    form = BumpForm(page.request.POST)
    if not form.is_valid():
        return sections.Refused({"bump": form})
    BUMPS[page.account.pk] = BUMPS.get(page.account.pk, 0) + form.cleaned_data["by"]
    return sections.Saved()


SECTION = sections.Section(
    key="notes",
    anchor="test-notes",
    title="Test notes",
    order=99,
    template="sectionapp/notes.html",
    context=notes_context,
    endpoints=(sections.Endpoint("test_bump", "bump/", bump, Action.EDIT),),
)


def install() -> None:
    sections.register(SECTION)


def uninstall() -> None:
    sections.unregister(SECTION.key)
    BUMPS.clear()
