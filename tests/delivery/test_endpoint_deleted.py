"""
An endpoint deleted while its statements are queued (#13): the statements become dead letters with
reason ``endpoint_deleted`` and a detail naming the endpoint that is gone, kept with no endpoint;
the status page of every endpoint shows them; a replay leaves them pending (there is nowhere to send
them) until they are discarded. Dead letters an endpoint already had outlive its deletion with its
name, and a replay sends them to the endpoint that has that name again.

The messages are the send path's own: a retry published by ``enqueue.publish_retry`` with the items
as ``service.item_to_json`` writes them (openedx_xapi_router/delivery/service.py), taken by the
session's real worker on Redis; a delivery message of two endpoints in the shape
``service.deliver_messages`` reads (``[[endpoint ids], event name, transformer version,
[statements]]`` per event, as ``tests.delivery.test_poison_and_dead_letters.message_events``
builds it for one endpoint), run through the task's ``run_batch``. Statements are real
(``transform_event`` of edx-platform enrollment events) and are read back from the session's Ralph
by id.
"""
import pytest
from django.core.management import CommandError, call_command

from openedx_xapi_router.delivery import replay, service, store, tasks
from openedx_xapi_router.delivery.batching import DONE
from openedx_xapi_router.delivery.enqueue import publish_retry
from openedx_xapi_router.delivery.status import endpoint_status
from openedx_xapi_router.models import DeadLetter
from tests.delivery.conftest import wait_until
from tests.delivery.events import enrollment_event
from tests.delivery.test_live_delivery import delivered_count, in_ralph
from tests.delivery.test_lrs_answers import items_of

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _orphans():
    return DeadLetter.objects.filter(endpoint__isnull=True)


def test_a_retry_queued_for_a_deleted_endpoint_becomes_dead_letters_in_the_worker(delivery_worker, routed_to,
                                                                                  make_endpoint, event_base):
    routed_to(delivery_worker)
    endpoint = make_endpoint("deleted-while-queued")
    gone_pk = endpoint.pk
    items = items_of([enrollment_event(event_base + number) for number in range(4)])
    publish_retry(gone_pk, [service.item_to_json(item) for item in items], 2, 3)  # taken by the worker in 3 s
    endpoint.delete()
    wait_until(lambda: _orphans().filter(endpoint_name="").count() == 4, 60, message="4 dead letters")
    letters = _orphans().filter(endpoint_name="")
    assert sorted(letters.values_list("statement_id", flat=True)) == sorted(item.statement_id for item in items)
    assert set(letters.values_list("reason", "state", "detail")) == {(
        DeadLetter.REASON_ENDPOINT_DELETED, DeadLetter.STATE_PENDING,
        f"endpoint #{gone_pk} was deleted while its statements were queued",
    )}
    letters.update(state=DeadLetter.STATE_DISCARDED)  # this test's rows leave the next tests' counts alone


def test_statements_of_a_deleted_endpoint_are_kept_the_other_endpoint_served(make_endpoint, lrs_client,
                                                                             event_base):
    gone = make_endpoint("gone-before-delivery")
    stays = make_endpoint("stays")
    gone_pk = gone.pk
    items = items_of([enrollment_event(event_base + number) for number in range(5)])
    events = [[[gone_pk, stays.pk], item.event_name, item.transformer_version, [item.statement]] for item in items]
    gone.delete()
    assert tasks.deliver_statements.run_batch([(events,)]) == DONE
    ids = sorted(item.statement_id for item in items)
    assert sorted(in_ralph(lrs_client, ids)) == ids
    assert delivered_count(stays) == 5
    assert DeadLetter.objects.filter(endpoint=stays).count() == 0
    letters = _orphans()
    assert sorted(letters.values_list("statement_id", flat=True)) == ids
    assert set(letters.values_list("reason", "endpoint_name", "detail")) == {(
        DeadLetter.REASON_ENDPOINT_DELETED, "", f"endpoint #{gone_pk} was deleted while its statements were queued",
    )}
    # The alarm on an endpoint's status page.
    assert endpoint_status(stays)["deleted_endpoint_dead_letters"] == 5
    # A replay has nowhere to send them: still failing, still pending; then they are discarded.
    summary = replay.replay_dead_letters(DeadLetter.objects.all(), retries=0)
    assert (summary.selected, summary.delivered, summary.still_failing) == (5, 0, 5)
    assert set(letters.values_list("state", flat=True)) == {DeadLetter.STATE_PENDING}
    assert replay.discard_dead_letters(letters) == 5
    assert endpoint_status(stays)["deleted_endpoint_dead_letters"] == 0


def test_dead_letters_outlive_their_endpoint_and_replay_to_the_endpoint_of_its_name(make_endpoint, lrs_client,
                                                                                    event_base):
    flaky = make_endpoint("flaky-lrs")
    items = items_of([enrollment_event(event_base + number) for number in range(3)])
    store.dead_letter(flaky.pk, items, DeadLetter.REASON_RETRIES_EXHAUSTED, 503, "down")
    assert set(DeadLetter.objects.filter(endpoint=flaky).values_list("endpoint_name", flat=True)) == {"flaky-lrs"}
    flaky.delete()
    letters = _orphans().filter(endpoint_name="flaky-lrs")
    assert letters.count() == 3  # kept (SET_NULL), with the name
    with pytest.raises(CommandError, match="no LRS endpoint 'flaky-lrs'"):
        call_command("replay_failed_statements", "--endpoint", "flaky-lrs")
    summary = replay.replay_dead_letters(letters, retries=0)
    assert (summary.delivered, summary.still_failing) == (0, 3)  # no endpoint of that name yet
    again = make_endpoint("flaky-lrs")
    call_command("replay_failed_statements", "--endpoint", "flaky-lrs")
    ids = sorted(item.statement_id for item in items)
    assert sorted(in_ralph(lrs_client, ids)) == ids
    assert set(letters.values_list("state", flat=True)) == {DeadLetter.STATE_REPLAYED}
    assert delivered_count(again) == 3
