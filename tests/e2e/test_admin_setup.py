"""The setup an admin goes through, in a real browser: sign in, create an API key in Ashby's
(the sandbox's) admin, connect it in Guide, watch the first sync, set up the webhooks, and
see a change made in Ashby reach a candidate's guide.

One test, one story, in the order an admin lives it; a screenshot per step lands in
test-artifacts/e2e/. Playwright's `expect` waits (up to its timeout) for each state: no sleeps.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from playwright.sync_api import Page, expect

from ashby_sandbox import models as sandbox_models
from ashby_sandbox import seed
from guides.models import Candidate, Guide
from guides.timefmt import format_clock, format_date
from integrations.models import AshbyConnection
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CANDIDATE = "Grace Hopper-Eto"
CANDIDATE_ZONE = "Asia/Tokyo"
FIRST_SLOT = dt.datetime(2030, 3, 12, 14, 0, tzinfo=dt.UTC)
NEW_SLOT = dt.datetime(2030, 3, 13, 9, 30, tzinfo=dt.UTC)
SLOW_ASHBY_MS = 60
SYNC_TIMEOUT_MS = 90_000
GUIDE_NEEDS = [
    "candidatesRead",
    "jobsRead",
    "interviewsRead",
    "organizationRead",
    "apiKeysRead",
    "apiKeysWrite",
]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Sign in to Guide")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def create_sandbox_key(page: Page, name: str, permissions: list[str]) -> str:
    """Ashby's Admin > API Keys: a new key for the Guide partner with these boxes ticked;
    returns the key, which the page shows once."""
    page.get_by_role("banner").get_by_role("link", name="API Keys").click()
    expect(page.get_by_role("heading", name="New API key")).to_be_visible()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Integration Partner").select_option("Guide")
    boxes = page.locator("input[name=permissions]")
    for index in range(boxes.count()):
        boxes.nth(index).set_checked(boxes.nth(index).get_attribute("value") in permissions)
    page.get_by_role("button", name="Create API key").click()
    secret = page.locator("#new-api-key")
    expect(secret).to_be_visible()
    newest = page.locator("table").last.locator("tbody tr").first  # keys list, newest first
    expect(newest).to_contain_text(name)
    expect(newest).to_contain_text("Active")
    return secret.inner_text().strip()


def connect_in_guide(page: Page, api_key: str) -> None:
    """The Connect (or Replace key) dialog on the Integrations page."""
    dialog = page.locator("#connect-dialog")
    if not dialog.is_visible():
        page.locator("[data-open-dialog=connect-dialog]").click()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Ashby API Key").fill(api_key)
    dialog.get_by_role("button", name="Connect").click()


def copy_from_guide(guide: Page, row, field: str) -> str:
    """Click the row's Copy button for `field`; returns what landed on the clipboard."""
    button = row.locator(f"[data-copy-field={field}]")
    button.click()
    expect(button).to_have_text("Copied")
    return guide.evaluate("navigator.clipboard.readText()")


def paste_into(page: Page, label: str) -> None:
    field = page.locator("#new-webhook").get_by_label(label, exact=True)
    field.fill("")
    field.focus()
    page.keyboard.press("ControlOrMeta+V")


def add_webhook_in_ashby(guide: Page, ashby: Page, event: str) -> None:
    """One Guide row into one Ashby "New Webhook", in the order of Ashby's form."""
    row = guide.locator(f'[data-event="{event}"]')
    for field, label in (("name", "Name"), ("url", "URL"), ("secret", "Secret")):
        guide.bring_to_front()
        copied = copy_from_guide(guide, row, field)
        ashby.bring_to_front()
        paste_into(ashby, label)
        if field != "secret":
            expect(ashby.locator("#new-webhook").get_by_label(label, exact=True)).to_have_value(
                copied
            )
    guide.bring_to_front()
    event_label = copy_from_guide(guide, row, "event")
    ashby.bring_to_front()
    form = ashby.locator("#new-webhook")
    form.get_by_label("Event", exact=True).select_option(label=event_label)
    form.get_by_label("Enabled").check()
    form.get_by_role("button", name="Save").click()
    expect(ashby.locator(".messages")).to_contain_text("Webhook saved and enabled")


def open_candidate_guide(guide: Page, context, name: str) -> Page:
    """Guides > filter by name > the share link, opened as the candidate would."""
    guide.bring_to_front()
    guide.get_by_role("link", name="Guides", exact=True).click()
    guide.get_by_label("Search by candidate name or email").fill(name)
    guide.get_by_role("button", name="Filter").click()
    row = guide.get_by_role("row").filter(has_text=name)
    expect(row).to_have_count(1)
    link = row.locator(".share-url").input_value().strip()  # a read-only field behind Copy
    candidate_page = context.new_page()
    candidate_page.goto(link)
    expect(candidate_page.get_by_role("heading", level=1)).to_contain_text(name.split()[0])
    return candidate_page


def expect_interview_at(page: Page, moment: dt.datetime, zone: str) -> None:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    when = page.locator("time", has_text=format_date(local)).first
    expect(when).to_be_visible()
    expect(page.locator("main")).to_contain_text(format_clock(local))


def test_an_admin_sets_up_ashby_end_to_end(tenant_a, admin_user, guide_live, shots, context):
    seed.seed(20, seed=7)
    base = guide_live.url

    # 1. Sign in, then Settings > Integrations.
    guide = context.new_page()
    sign_in(guide, base, admin_user.username)
    shots(guide, "signed-in")
    guide.get_by_role("link", name="Settings › Integrations", exact=True).click()
    expect(guide.get_by_role("heading", name="Integrations", exact=True)).to_be_visible()
    expect(guide.locator("#ashby")).to_contain_text("Not connected")
    shots(guide, "integrations-not-connected")

    # 2. In a second tab, Ashby's admin: a key that lacks Interviews read.
    ashby = context.new_page()
    ashby.goto(base + "/sandbox/ashby/")
    lacking = [p for p in GUIDE_NEEDS if p != "interviewsRead"]
    weak_key = create_sandbox_key(ashby, "Guide (no interviews)", lacking)
    shots(ashby, "sandbox-key-lacking-interviews")

    # 3. Connecting it says exactly which box to tick, and stores nothing.
    guide.bring_to_front()
    connect_in_guide(guide, weak_key)
    error = guide.locator("#api-key-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("This key is missing permissions Guide needs: Interviews read")
    expect(error).to_contain_text("tick the Read box of the Interviews module")
    shots(guide, "missing-permission-error")
    assert not AshbyConnection.objects.filter(tenant=tenant_a).exists()
    assert weak_key not in guide.content()

    # 4. A key with what Guide needs: connected, with the confirmation.
    ashby.bring_to_front()
    good_key = create_sandbox_key(ashby, "Guide", GUIDE_NEEDS)
    shots(ashby, "sandbox-key-for-guide")
    # Ashby answers this key a little slowly, so the first sync lasts long enough to watch.
    sandbox_models.ApiKey.objects.filter(title="Guide").update(latency_ms=SLOW_ASHBY_MS)
    guide.bring_to_front()
    connect_in_guide(guide, good_key)
    expect(guide.get_by_role("status")).to_contain_text(
        "Ashby is linked. Guide is starting the first sync now."
    )
    panel = guide.locator("#ashby")
    expect(panel.locator("p > .badge").first).to_have_text("Connected")
    expect(panel).to_contain_text("Guide · ends in")
    shots(guide, "connected")
    connection = AshbyConnection.objects.get(tenant=tenant_a)
    assert connection.key_last4 == good_key[-4:]
    assert set(GUIDE_NEEDS) <= set(connection.permissions)
    assert good_key not in guide.content()

    # 5. The first sync, watched on the panel (it updates itself) to the end.
    sync = panel.locator("#sync-status")
    expect(guide.get_by_role("progressbar", name="Sync progress")).to_be_visible()
    shots(guide, "first-sync-in-progress")
    expect(sync.locator(".badge")).to_have_text("Succeeded", timeout=SYNC_TIMEOUT_MS)
    expect(guide.get_by_role("progressbar")).to_have_count(0)
    expect(sync).to_contain_text(re.compile(r"\d+ records fetched, \d+ created"))
    sync.get_by_text("Details").click()
    candidates_row = sync.get_by_role("row", name=re.compile("^Candidates"))
    expect(candidates_row).to_be_visible()
    shots(guide, "first-sync-done")
    fetched = int(candidates_row.get_by_role("cell").first.inner_text())
    assert fetched > 0
    assert Candidate.objects.filter(tenant=tenant_a).count() >= fetched
    assert Guide.objects.filter(tenant=tenant_a).count() >= fetched

    # 6. Configure Webhooks in Guide (this tab), Ashby's Webhooks page in the other: each
    #    row's Name, URL, Secret and Event copied into a New Webhook; Ashby pings it and the
    #    row turns green here without a reload.
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    guide.get_by_role("link", name="Configure Webhooks").click()
    expect(guide.get_by_role("heading", name="Configure Webhooks")).to_be_visible()
    rows = guide.locator("[data-event]")
    events = [rows.nth(i).get_attribute("data-event") for i in range(rows.count())]
    assert len(events) == 10
    shots(guide, "configure-webhooks")
    ashby.bring_to_front()
    ashby.get_by_role("banner").get_by_role("link", name="Webhooks").click()
    expect(ashby.get_by_role("heading", name="New Webhook")).to_be_visible()
    for number, event in enumerate(events):
        add_webhook_in_ashby(guide, ashby, event)
        guide.bring_to_front()
        row = guide.locator(f'[data-event="{event}"]')
        expect(row).to_have_attribute("data-state", "connected")
        expect(row.locator('[data-role="state"]')).to_have_class(re.compile(r"\bok\b"))
        if number == 0:
            shots(ashby, "ashby-first-webhook-saved")
            shots(guide, "first-webhook-green")
    expect(guide.locator("#webhooks-summary")).to_have_text("Real-time updates are on")
    shots(guide, "real-time-updates-on")
    shots(ashby, "ashby-webhooks")
    page_text = guide.content()
    assert good_key not in page_text

    # 7. In Ashby: a candidate applies (in Tokyo), an interview is scheduled, then moved.
    ashby.bring_to_front()
    ashby.get_by_role("banner").get_by_role("link", name="Simulate activity").click()
    ashby.locator("#ac-name").fill(CANDIDATE)
    ashby.locator("#ac-email").fill("grace.e2e@example.com")
    ashby.locator("#ac-tz").fill(CANDIDATE_ZONE)
    ashby.get_by_role("button", name="Add candidate").click()
    expect(ashby.locator(".messages")).to_contain_text("Done: add candidate")
    application_id = ashby.locator("#applications option", has_text=CANDIDATE).get_attribute(
        "value"
    )
    ashby.locator("#sc-app").fill(application_id)
    ashby.locator("#sc-start").fill(FIRST_SLOT.strftime("%Y-%m-%dT%H:%M"))
    ashby.locator("#sc-link").fill("https://meet.example.com/grace")
    ashby.get_by_role("button", name="Schedule", exact=True).click()
    expect(ashby.locator(".messages")).to_contain_text("Done: schedule")
    schedule_id = ashby.locator("#schedules option", has_text=CANDIDATE).get_attribute("value")
    ashby.locator("#rs-id").fill(schedule_id)
    ashby.locator("#rs-start").fill(NEW_SLOT.strftime("%Y-%m-%dT%H:%M"))
    ashby.get_by_role("button", name="Reschedule").click()
    expect(ashby.locator(".messages")).to_contain_text("Done: reschedule")
    shots(ashby, "ashby-interview-rescheduled")

    # The webhooks bring the candidate (filled in from Ashby, their time zone included), the
    # interview and its new time to Guide at once: no sync is needed.
    candidate_page = open_candidate_guide(guide, context, CANDIDATE)
    expect(candidate_page.locator(".tz-note")).to_contain_text(
        f"Times are shown in your time zone: {CANDIDATE_ZONE}"
    )
    expect_interview_at(candidate_page, NEW_SLOT, CANDIDATE_ZONE)
    old = FIRST_SLOT.astimezone(zoneinfo.ZoneInfo(CANDIDATE_ZONE))
    expect(candidate_page.locator("main")).not_to_contain_text(format_date(old))
    shots(candidate_page, "guide-in-candidate-time-zone")
