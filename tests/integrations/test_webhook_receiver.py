"""The receiver: POST /webhooks/ashby/<token>/ (signature, size, shape, duplicates, tenants)."""

from __future__ import annotations

import json

import pytest
from django.core.signals import request_finished
from django.db import OperationalError, close_old_connections

from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.receiving import MAX_BODY_BYTES
from integrations.views.receiver import receive
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.webhook_helpers import encode, post_webhook, sign, webhook_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def subs(tenant_a) -> dict[str, WebhookSubscription]:
    return {s.event: s for s in ensure_subscriptions(tenant_a)}


@pytest.fixture
def stage_sub(subs) -> WebhookSubscription:
    return subs["candidateStageChange"]


@pytest.fixture
def no_processing(monkeypatch):
    """Keep deliveries as received: what the receiver stores, not what processing makes of it."""
    queued = []
    monkeypatch.setattr("integrations.deliveries.enqueue", queued.append)
    return queued


def _fresh(sub: WebhookSubscription) -> WebhookSubscription:
    return WebhookSubscription.objects.get(pk=sub.pk)


# --- signature matrix -------------------------------------------------------------------


def test_a_correctly_signed_event_is_stored_and_answered_200(client, stage_sub, no_processing):
    payload = webhook_fixture("candidateStageChange")
    response = post_webhook(client, stage_sub, payload)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "outcome": "stored"}
    delivery = WebhookDelivery.objects.get()
    assert delivery.tenant_id == stage_sub.tenant_id
    assert delivery.subscription_id == stage_sub.pk
    assert delivery.action == "candidateStageChange"
    assert delivery.webhook_action_id == payload["webhookActionId"]
    assert delivery.dedupe_key == payload["webhookActionId"]
    assert json.loads(delivery.body) == payload
    assert delivery.status == WebhookDelivery.Status.RECEIVED
    assert _fresh(stage_sub).last_valid_delivery_at is not None


def test_the_raw_body_is_stored_byte_for_byte(client, stage_sub, no_processing):
    body = json.dumps(webhook_fixture("candidateStageChange"), indent=3).encode()
    assert post_webhook(client, stage_sub, body=body).status_code == 200
    assert WebhookDelivery.objects.get().body.encode() == body


@pytest.mark.parametrize(
    ("case", "signature"),
    [
        ("missing header", None),
        ("empty header", ""),
        ("wrong algorithm prefix", "sha1={digest}"),
        ("no prefix", "{digest}"),
        ("wrong secret", "{wrong_secret}"),
    ],
)
def test_a_bad_signature_is_refused_with_401_and_counted_on_its_row(
    client, stage_sub, case, signature
):
    body = encode(webhook_fixture("candidateStageChange"))
    digest = sign(stage_sub.secret, body).removeprefix("sha256=")
    if signature is not None:
        signature = signature.format(digest=digest, wrong_secret=sign("not-the-secret", body))
    response = post_webhook(client, stage_sub, body=body, signature=signature)
    assert response.status_code == 401, case
    assert "signature" in response.json()["error"].lower()
    assert not WebhookDelivery.objects.exists()
    row = _fresh(stage_sub)
    assert row.signature_failures == 1
    assert row.last_signature_failure_at is not None
    assert row.last_valid_delivery_at is None


def test_a_tampered_body_is_refused(client, stage_sub):
    body = encode(webhook_fixture("candidateStageChange"))
    signature = sign(stage_sub.secret, body)
    tampered = body.replace(b"Ada Lovelace", b"Eve Mallory")
    response = post_webhook(client, stage_sub, body=tampered, signature=signature)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_an_uppercase_hex_digest_is_accepted(client, stage_sub, no_processing):
    body = encode(webhook_fixture("candidateStageChange"))
    signature = "sha256=" + sign(stage_sub.secret, body).removeprefix("sha256=").upper()
    assert post_webhook(client, stage_sub, body=body, signature=signature).status_code == 200


def test_signature_failures_add_up_and_make_the_row_failing(client, stage_sub):
    for _ in range(3):
        post_webhook(client, stage_sub, webhook_fixture("candidateStageChange"), secret="stale")
    row = _fresh(stage_sub)
    assert row.signature_failures == 3
    assert row.is_failing


def test_a_good_delivery_after_failures_turns_the_row_green_again(client, stage_sub, no_processing):
    post_webhook(client, stage_sub, webhook_fixture("candidateStageChange"), secret="stale")
    assert _fresh(stage_sub).is_failing
    assert post_webhook(client, stage_sub, webhook_fixture("ping")).status_code == 200
    assert not _fresh(stage_sub).is_failing


# --- tokens, methods, sizes, shapes --------------------------------------------------------


def test_an_unknown_token_is_404(client, stage_sub):
    response = post_webhook(
        client, stage_sub, webhook_fixture("candidateStageChange"), token="nope"
    )
    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_get_is_not_allowed(client, stage_sub):
    assert client.get(f"/webhooks/ashby/{stage_sub.token}/").status_code == 405


def test_a_body_over_1_mb_is_413_from_its_declared_length(client, stage_sub):
    payload = webhook_fixture("candidateStageChange")
    payload["padding"] = "x" * MAX_BODY_BYTES
    response = post_webhook(client, stage_sub, payload)
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()
    assert _fresh(stage_sub).signature_failures == 0


def test_a_body_over_1_mb_is_413_even_when_its_length_header_lies(rf, stage_sub):
    from integrations.views.receiver import receive

    body = b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}"
    request = rf.post(
        f"/webhooks/ashby/{stage_sub.token}/", data=body, content_type="application/json"
    )
    request.META["CONTENT_LENGTH"] = "100"  # the stream still holds the whole body
    request._stream = __import__("io").BytesIO(body)
    assert receive(request, stage_sub.token).status_code == 413


def test_a_body_of_exactly_1_mb_is_accepted(client, stage_sub, no_processing):
    payload = webhook_fixture("candidateStageChange")
    payload["padding"] = ""
    size = len(encode(payload))
    payload["padding"] = "x" * (MAX_BODY_BYTES - size)
    assert len(encode(payload)) == MAX_BODY_BYTES
    assert post_webhook(client, stage_sub, payload).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"data": {}}',
        b'{"action": "", "data": {}}',
        b'{"action": 7}',
        b"\xff\xfe",
    ],
)
def test_malformed_json_or_no_action_is_400(client, stage_sub, body):
    response = post_webhook(client, stage_sub, body=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not WebhookDelivery.objects.exists()
    assert _fresh(stage_sub).signature_failures == 0


def test_a_ping_is_200_and_turns_the_row_connected(client, stage_sub):
    response = post_webhook(client, stage_sub, webhook_fixture("ping"))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ping"
    assert _fresh(stage_sub).last_valid_delivery_at is not None
    assert not WebhookDelivery.objects.exists()


def test_an_unsigned_ping_does_not_connect_the_row(client, stage_sub):
    response = post_webhook(client, stage_sub, webhook_fixture("ping"), signature=None)
    assert response.status_code == 401
    assert _fresh(stage_sub).last_valid_delivery_at is None


def test_an_event_of_another_type_than_the_rows_is_200_and_recorded_as_ignored(
    client, subs, no_processing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, subs["jobCreate"], webhook_fixture("candidateStageChange"))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.IGNORED
    assert delivery.subscription_id == subs["jobCreate"].pk
    assert no_processing == []


def test_the_signature_header_is_not_stored_with_the_delivery(client, stage_sub, no_processing):
    post_webhook(client, stage_sub, webhook_fixture("candidateStageChange"))
    headers = {k.lower(): v for k, v in WebhookDelivery.objects.get().headers.items()}
    assert "ashby-signature" not in headers
    assert headers["content-type"] == "application/json"
    assert stage_sub.secret not in json.dumps(headers)


# --- duplicates --------------------------------------------------------------------------


def test_a_repeat_is_200_and_stored_once(
    client, stage_sub, no_processing, django_capture_on_commit_callbacks
):
    payload = webhook_fixture("candidateStageChange")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_webhook(client, stage_sub, payload)
        second = post_webhook(client, stage_sub, payload)
    assert first.json()["outcome"] == "stored"
    assert second.status_code == 200
    assert second.json()["outcome"] == "duplicate"
    assert WebhookDelivery.objects.count() == 1
    assert len(no_processing) == 1  # enqueued once


def test_a_retry_with_the_same_action_id_but_other_bytes_is_a_duplicate(
    client, stage_sub, no_processing
):
    payload = webhook_fixture("candidateStageChange")
    post_webhook(client, stage_sub, payload)
    response = post_webhook(client, stage_sub, body=json.dumps(payload, indent=2).encode())
    assert response.json()["outcome"] == "duplicate"
    assert WebhookDelivery.objects.count() == 1


def test_related_webhooks_sharing_an_action_id_are_each_stored(
    client, subs, no_processing, django_capture_on_commit_callbacks
):
    """candidateHire also fires candidateStageChange and applicationUpdate with one id."""
    action_id = "5d1c1a53-1f6e-4c34-9d1c-0f5e1f6c0001"
    for action in ("candidateHire", "candidateStageChange", "applicationUpdate"):
        payload = webhook_fixture(action)
        payload["webhookActionId"] = action_id
        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(client, subs[action], payload)
        assert response.json()["outcome"] == "stored"
    assert WebhookDelivery.objects.filter(webhook_action_id=action_id).count() == 3
    assert len(no_processing) == 3


def test_without_an_action_id_the_body_hash_stops_repeats(client, stage_sub, no_processing):
    payload = webhook_fixture("candidateStageChange")
    del payload["webhookActionId"]
    assert post_webhook(client, stage_sub, payload).json()["outcome"] == "stored"
    assert post_webhook(client, stage_sub, payload).json()["outcome"] == "duplicate"
    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook_action_id == ""
    assert delivery.dedupe_key.startswith("sha256:")
    other = webhook_fixture("candidateStageChange")
    del other["webhookActionId"]
    other["data"]["application"]["updatedAt"] = "2026-11-20T13:00:00.000Z"
    assert post_webhook(client, stage_sub, other).json()["outcome"] == "stored"


# --- tenants ----------------------------------------------------------------------------


def test_the_token_picks_the_tenant(client, subs, tenant_b, no_processing):
    bravo = {s.event: s for s in ensure_subscriptions(tenant_b)}["candidateStageChange"]
    payload = webhook_fixture("candidateStageChange")
    assert post_webhook(client, bravo, payload).status_code == 200
    assert post_webhook(client, subs["candidateStageChange"], payload).json()["outcome"] == "stored"
    assert set(WebhookDelivery.objects.values_list("tenant__slug", flat=True)) == {"acme", "bravo"}


def test_another_tenants_secret_does_not_open_this_tenants_url(client, stage_sub, tenant_b):
    bravo = {s.event: s for s in ensure_subscriptions(tenant_b)}["candidateStageChange"]
    payload = webhook_fixture("candidateStageChange")
    response = post_webhook(client, stage_sub, payload, secret=bravo.secret)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_each_row_has_its_own_token_and_secret(subs, tenant_b):
    rows = list(subs.values()) + ensure_subscriptions(tenant_b)
    assert len({r.token for r in rows}) == len(rows) == 20
    assert len({r.secret for r in rows}) == 20
    assert all(len(r.token) >= 40 for r in rows)


# --- resilience ---------------------------------------------------------------------------


def test_a_database_failure_while_storing_is_503_so_ashby_retries(client, stage_sub, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("integrations.receiving.insert_delivery", broken)
    response = post_webhook(client, stage_sub, webhook_fixture("candidateStageChange"))
    assert response.status_code == 503


def test_a_database_failure_while_finding_the_row_is_503_not_404(client, stage_sub, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("integrations.receiving.find_subscription", broken)
    response = post_webhook(client, stage_sub, webhook_fixture("candidateStageChange"))
    assert response.status_code == 503


def test_a_stored_delivery_is_enqueued_only_after_commit(
    client, stage_sub, no_processing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_webhook(client, stage_sub, webhook_fixture("candidateStageChange"))
    assert no_processing == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert no_processing == [WebhookDelivery.objects.get().pk]


def test_a_broker_failure_after_commit_still_answers_200(
    client, stage_sub, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr("django_q.tasks.async_task", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, stage_sub, webhook_fixture("candidateStageChange"))
    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.RECEIVED


def _signed_request(rf, sub):
    body = encode(webhook_fixture("candidateStageChange"))
    headers = {"Ashby-Signature": sign(sub.secret, body)}
    url = f"/webhooks/ashby/{sub.token}/"
    return rf.post(url, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def keep_connection():
    """close() as a WSGI server calls it, minus closing the test's database connection (as
    Django's test client does)."""
    request_finished.disconnect(close_old_connections)
    yield
    request_finished.connect(close_old_connections)


def test_the_answer_is_complete_before_the_processing_is_queued(
    rf, stage_sub, no_processing, django_capture_on_commit_callbacks, keep_connection
):
    """A WSGI server writes the answer, then calls close(): only then is the task queued, so
    Ashby's answer never waits on the queue."""
    request = _signed_request(rf, stage_sub)
    with django_capture_on_commit_callbacks(execute=True):
        response = receive(request, stage_sub.token)
        assert response.status_code == 200
        assert json.loads(b"".join(response)) == {"ok": True, "outcome": "stored"}
        assert no_processing == []
        response.close()
    assert no_processing == [WebhookDelivery.objects.get().pk]


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: queued inside close()
def test_a_queue_failure_after_the_answer_leaves_the_delivery_for_the_sweep(
    rf, stage_sub, monkeypatch, keep_connection
):
    def down(delivery_id):
        raise RuntimeError("the database connection went away")

    monkeypatch.setattr("integrations.deliveries.enqueue", down)
    request = _signed_request(rf, stage_sub)
    response = receive(request, stage_sub.token)
    response.close()  # logged, not raised: the answer is already sent
    assert response.status_code == 200
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.RECEIVED
