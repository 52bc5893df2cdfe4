"""A delivery's history in the support console: its attempts on its page (oldest first), the
attempts column of the list, the Replay and Mark ignored messages in plain words, and webhook
rows whose deliveries failed lately."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone

from integrations.ashby import events
from integrations.deliveries import apply_delivery
from integrations.models import AuditEvent, DeliveryAttempt, WebhookDelivery, WebhookSubscription
from tests.admin.conftest import run_action

pytestmark = pytest.mark.django_db

DELIVERIES = reverse("admin:integrations_webhookdelivery_changelist")
ATTEMPTS = reverse("admin:integrations_deliveryattempt_changelist")
SUBSCRIPTIONS = reverse("admin:integrations_webhooksubscription_changelist")
ACTION = "interviewScheduleUpdate"
STAFF = ["support_client", "superuser_client"]


@pytest.fixture
def row(tenant_a) -> WebhookSubscription:
    sub = WebhookSubscription(tenant=tenant_a, event=ACTION, last_valid_delivery_at=timezone.now())
    sub.secret = "ab" * 32
    sub.save()
    return sub


@pytest.fixture
def answers(monkeypatch) -> list:
    """What the schedule handler does on each call: return the text, or raise the error."""
    queue: list = []

    def handle(tenant, data, fetched=None):
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setitem(events.HANDLERS, ACTION, handle)
    monkeypatch.setitem(events.FETCHERS, ACTION, None)
    return queue


def delivery(sub: WebhookSubscription, n: int = 1, **extra) -> WebhookDelivery:
    values = dict(
        tenant=sub.tenant,
        subscription=sub,
        action=sub.event,
        dedupe_key=f"k{n}",
        body='{"action": "interviewScheduleUpdate", "data": {"interviewSchedule": {}}}',
    )
    return WebhookDelivery.objects.create(**{**values, **extra})


def processed_twice(sub: WebhookSubscription, answers: list) -> WebhookDelivery:
    """A delivery that failed once (an internal error), then was applied on its retry."""
    answers += [RuntimeError("boom <b>"), "Interview schedule s-1 updated."]
    d = delivery(sub)
    apply_delivery(d.pk)
    WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=None)
    apply_delivery(d.pk)
    d.refresh_from_db()
    return d


def page_of(d: WebhookDelivery) -> str:
    return reverse("admin:integrations_webhookdelivery_change", args=[d.pk])


# --- the delivery's page and list --------------------------------------------------------------


@pytest.mark.parametrize("who", STAFF)
def test_the_delivery_page_shows_every_attempt_oldest_first(request, who, row, answers):
    d = processed_twice(row, answers)
    html = request.getfixturevalue(who).get(page_of(d)).content.decode()
    table = html[html.index("History: every processing attempt") :]
    assert table.index("First attempt") < table.index("Automatic retry")
    assert table.index("Failed, will retry") < table.index("Applied")
    assert "Guide could not apply this delivery because of an internal error." in table
    assert "Interview schedule s-1 updated." in table
    # The exception, escaped, only inside the collapsed details.
    assert re.search(
        r"<details><summary>Show</summary><pre[^>]*>RuntimeError: boom &lt;b&gt;", table
    )
    assert "boom <b>" not in html
    started = [a.started_at for a in d.history.order_by("number")]
    zone = ZoneInfo(d.tenant.default_timezone)  # the delivery's tenant's, on its page
    for moment in started:
        local = moment.astimezone(zone)
        assert f"{local:%H:%M:%S} {local.tzname()}" in table
    assert re.search(r"\d+ ms|\d+\.\d s", table)
    assert 'name="_save"' not in html


def test_the_list_counts_every_attempt_replays_included(
    support_client, row, answers, django_capture_on_commit_callbacks
):
    d = processed_twice(row, answers)
    answers.append("Interview schedule s-1 unchanged.")
    with django_capture_on_commit_callbacks(execute=True):
        run_action(support_client, DELIVERIES, "replay", d.pk)
    html = support_client.get(DELIVERIES).content.decode()
    assert re.search(r'<td class="field-attempt_count">3</td>', html)
    assert list(d.history.values_list("kind", flat=True)) == ["first", "retry", "replay"]


@pytest.mark.parametrize("who", STAFF)
def test_the_attempts_list_shows_the_newest_first(request, who, row, answers):
    processed_twice(row, answers)
    cl = request.getfixturevalue(who).get(ATTEMPTS).context["cl"]
    assert [a.number for a in cl.result_list] == [2, 1]


@pytest.mark.parametrize("who", ["tenant_admin_client", "member_client", "outsider_client"])
def test_the_tenant_cast_is_sent_to_the_admin_sign_in(request, who, row, answers):
    d = processed_twice(row, answers)
    client = request.getfixturevalue(who)
    for url in (page_of(d), ATTEMPTS, SUBSCRIPTIONS, DELIVERIES):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


# --- action messages ---------------------------------------------------------------------------


def messages_of(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in response.context["messages"]]


@pytest.mark.parametrize("who", STAFF)
def test_replay_says_how_it_went_in_plain_words(
    request, who, row, answers, django_capture_on_commit_callbacks
):
    d = delivery(row, status="failed", error="old")
    answers.append("Interview schedule s-1 updated.")
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(request.getfixturevalue(who), DELIVERIES, "replay", d.pk)
    said = "Replayed Interview Schedule Update for Acme: applied. Interview schedule s-1 updated."
    assert messages_of(response) == [(constants.SUCCESS, said)]
    event = AuditEvent.objects.get(action="delivery_replayed")
    assert (event.outcome, event.message) == ("done", said)
    attempt = DeliveryAttempt.objects.get(delivery=d)
    assert (attempt.kind, attempt.result) == ("replay", "processed")


def test_a_replay_that_fails_again_is_a_warning_with_the_sentence(
    support_client, row, answers, django_capture_on_commit_callbacks
):
    d = delivery(row, status="failed", error="old")
    answers.append(RuntimeError("still broken"))
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(support_client, DELIVERIES, "replay", d.pk)
    [(level, text)] = messages_of(response)
    assert level == constants.WARNING
    assert text.startswith(
        "Replayed Interview Schedule Update for Acme: not applied yet. Guide could not apply "
        "this delivery because of an internal error."
    )
    assert "RuntimeError" not in text and "still broken" not in text


def test_a_refused_replay_says_why_in_plain_words(support_client, row):
    busy = delivery(row, status="processing")
    response = run_action(support_client, DELIVERIES, "replay", busy.pk)
    assert messages_of(response) == [
        (
            constants.WARNING,
            "Could not replay the Interview Schedule Update delivery of Acme: this delivery "
            "is being processed right now; try again in a moment.",
        )
    ]


def test_mark_ignored_says_what_it_did_in_plain_words(support_client, row):
    waiting = delivery(row, status="retrying", attempts=2, error="x")
    response = run_action(support_client, DELIVERIES, "mark_ignored", waiting.pk)
    assert messages_of(response) == [
        (
            constants.SUCCESS,
            "Marked the Interview Schedule Update delivery of Acme ignored; it will not be "
            "retried.",
        )
    ]


# --- webhook rows with failing deliveries ------------------------------------------------------


def failing(sub: WebhookSubscription, count: int, *, ago=timedelta(hours=1)) -> None:
    started = timezone.now() - ago
    for _ in range(count):
        n = next(_numbers)
        delivery(sub, n, status="failed", attempts=1, started_at=started, error="x")


_numbers = itertools.count(100)


@pytest.mark.parametrize("who", STAFF)
def test_a_row_whose_deliveries_fail_is_failing_in_the_console(request, who, row, tenant_a):
    healthy = WebhookSubscription(tenant=tenant_a, event="jobUpdate")
    healthy.last_valid_delivery_at = timezone.now()
    healthy.secret = "cd" * 32
    healthy.save()
    failing(row, 3)
    failing(row, 2, ago=timedelta(hours=25))  # older than a day: not counted
    delivery(row, 200, status="retrying", attempts=1, started_at=timezone.now())  # routine
    client = request.getfixturevalue(who)
    html = client.get(SUBSCRIPTIONS).content.decode()
    mine = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{ACTION}(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert "Failing" in mine
    assert re.search(r'<td class="field-failing_deliveries"><a href="[^"]+">3</a></td>', mine)
    other = re.search(r"<tr[^>]*>(?:(?!</tr>).)*jobUpdate(?:(?!</tr>).)*</tr>", html, re.S)
    assert "Connected" in other.group(0)
    assert '<td class="field-failing_deliveries">0</td>' in other.group(0)
    page = client.get(reverse("admin:integrations_webhooksubscription_change", args=[row.pk]))
    assert re.search(r">3</a>", page.content.decode())
    cl = client.get(SUBSCRIPTIONS, {"not_applied": "yes"}).context["cl"]
    assert [s.pk for s in cl.result_list] == [row.pk]


def test_a_successful_replay_clears_the_rows_failing_state(
    support_client, row, answers, django_capture_on_commit_callbacks
):
    failing(row, 1)
    [broken] = WebhookDelivery.objects.filter(subscription=row)
    answers.append("Interview schedule s-1 updated.")
    with django_capture_on_commit_callbacks(execute=True):
        run_action(support_client, DELIVERIES, "replay", broken.pk)
    cl = support_client.get(SUBSCRIPTIONS).context["cl"]
    [listed] = cl.result_list
    assert (listed._failing, cl.model_admin.state(listed)) == (0, "Connected")
