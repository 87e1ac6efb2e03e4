"""Logging a visit on the account page (htmx, no page load), its next step landing on the
KAM's task list, and ticking it done there."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import expect


def test_log_a_visit_and_do_its_next_step(browse, demo):
    account = demo["accounts"][demo["big"]]
    tab = browse(demo["big_owner"], language="en")
    tab.goto(f"/customers/{account['pk']}/")
    section = tab.page.locator("#visits")
    section.locator("#visit-add summary").click()
    form = section.locator("#visit-add-form")
    step = f"Send the quotation {uuid.uuid4().hex[:6]}"
    form.locator("select[name=visit-kind]").select_option("meeting")
    form.locator("textarea[name=visit-notes]").fill("Talked about next year's framework.")
    form.locator("input[name=visit-next_step]").fill(step)
    due = (date.today() + timedelta(days=5)).isoformat()
    form.locator("input[name=visit-next_step_on]").fill(due)
    form.locator("button[type=submit]").click()
    # The list is there before the answer too: wait for the new visit, not the old top row.
    row = tab.page.locator("#visit-list tbody tr", has_text=step)
    expect(row).to_have_count(1)
    assert row.inner_text() == tab.page.locator("#visit-list tbody tr").first.inner_text()
    assert "Meeting" in row.inner_text()
    tab.screenshot("visits-section")
    tab.assert_clean()

    tab.goto("/care/tasks/")
    task = tab.page.locator("#task-list tr", has_text=step)
    assert task.count() == 1
    task.locator("button[type=submit]").click()
    tab.page.locator("#task-list tr", has_text=step).wait_for(state="detached")
    tab.assert_clean()
