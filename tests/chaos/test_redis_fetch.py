"""
The router's Redis transport (``openedx_xapi_router/delivery/redis_fetch.py``) on a Redis of the
test's own, through kombu's own consumer loop (``Connection.drain_events``: the same
``_brpop_start`` / ``_brpop_read`` poller a worker's event loop runs): where each message is at
each step, and what a live consumer gives back of a dead one's.

The bookkeeping read here is kombu's (celery/kombu ``kombu/transport/redis.py``: the ``unacked``
hash and ``unacked_index`` sorted set, ``QoS.append`` / ``QoS.ack`` / ``restore_by_tag``) plus the
transport's own keys (``_xapi_router.inflight:*``, ``_xapi_router.owned:*``, ``_xapi_router.alive:*``).
"""
import time

import pytest
import redis
from celery import Celery
from kombu import Connection, Exchange, Queue

from openedx_xapi_router.delivery import redis_fetch
from tests.chaos.harness import OwnRedis

QUEUE = "fetch-test"


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path / "redis").start()
    yield server
    server.close()


def take(connection, count, timeout=10.0):
    """Consume ``count`` messages without acknowledging them (bounded in time)."""
    taken = []
    queue = Queue(QUEUE, Exchange(QUEUE), QUEUE)
    with connection.Consumer(queue, callbacks=[lambda body, message: taken.append(message)], accept=["json"]):
        deadline = time.monotonic() + timeout
        while len(taken) < count and time.monotonic() < deadline:
            try:
                connection.drain_events(timeout=1)
            except TimeoutError:
                pass
    assert len(taken) == count
    return taken


def test_taken_messages_are_recorded_owned_and_given_back_when_their_consumer_is_gone(own_redis):  # pylint: disable=redefined-outer-name
    client = redis.Redis.from_url(own_redis.url)
    publisher = Connection(own_redis.url)
    consumer = Connection(own_redis.url, transport=redis_fetch.TRANSPORT)
    other = Connection(own_redis.url, transport=redis_fetch.TRANSPORT)
    try:
        queue = Queue(QUEUE, Exchange(QUEUE), QUEUE)
        with publisher.Producer() as producer:
            for number in range(3):
                producer.publish({"n": number}, exchange=queue.exchange, routing_key=QUEUE, declare=[queue],
                                 serializer="json")
        assert client.llen(QUEUE) == 3
        messages = take(consumer, 3)
        channel = messages[0].channel
        assert isinstance(channel, redis_fetch.Channel) and channel.reliable
        owned = f"_xapi_router.owned:{channel.consumer_id}"
        # Taken: out of the queue, recorded by kombu, owned by this consumer, not in flight any more.
        assert client.llen(QUEUE) == 0
        assert client.hlen("unacked") == 3 and client.zcard("unacked_index") == 3
        assert client.scard(owned) == 3
        assert list(client.scan_iter(match="_xapi_router.inflight:*")) == []
        assert client.exists(f"_xapi_router.alive:{channel.consumer_id}") == 1

        messages[0].ack()
        assert client.hlen("unacked") == 2 and client.scard(owned) == 2

        other_channel = other.channel()
        # The consumer is alive: nothing of it is given back.
        assert redis_fetch.recover_dead_consumers(client, other_channel.qos, skip=None) == 0
        # It is gone (its heartbeat expired), its connection never closed: its 2 messages come back.
        client.delete(f"_xapi_router.alive:{channel.consumer_id}")
        client.lpush(f"_xapi_router.inflight:{channel.consumer_id}:{QUEUE}", b'{"taken": "not recorded"}')
        assert redis_fetch.recover_dead_consumers(client, other_channel.qos, skip=None) == 3
        assert client.llen(QUEUE) == 3 and client.hlen("unacked") == 0 and client.exists(owned) == 0
        assert list(client.scan_iter(match="_xapi_router.inflight:*")) == []
        assert b'{"taken": "not recorded"}' in client.lrange(QUEUE, 0, -1)
        assert redis_fetch.recover_dead_consumers(client, other_channel.qos, skip=None) == 0
    finally:
        for connection in (publisher, consumer, other):
            connection.release()
        client.close()


def test_a_worker_app_switches_to_the_transport_on_redis_only(settings):
    redis_app = Celery("redis-app", broker="redis://127.0.0.1:1/0", set_as_current=False)
    assert redis_fetch.use_reliable_fetch(redis_app) is True
    assert redis_app.conf.broker_transport == redis_fetch.TRANSPORT
    amqp_app = Celery("amqp-app", broker="amqp://guest:guest@127.0.0.1:1//", set_as_current=False)
    assert redis_fetch.use_reliable_fetch(amqp_app) is False
    assert amqp_app.conf.broker_transport is None
    settings.XAPI_ROUTER_REDIS_RELIABLE_FETCH = False
    off_app = Celery("off-app", broker="redis://127.0.0.1:1/0", set_as_current=False)
    assert redis_fetch.use_reliable_fetch(off_app) is False
    assert off_app.conf.broker_transport is None
