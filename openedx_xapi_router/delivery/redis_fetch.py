"""
The delivery worker's Redis transport: a message a worker took from its queue is never only in that
worker's memory.

Why (issue 13, the worker main process and its pool children SIGKILLed together on Redis): kombu's
Redis transport takes a message with ``BRPOP`` (the message leaves the queue list on the server)
and only then, once the worker's event loop has read the reply, records it as unacknowledged
(``QoS.append``: ``ZADD unacked_index`` + ``HSET unacked``). A worker killed between the two (its
reply still in the socket, or being parsed) loses the message: it is in no list, no hash, and no
``visibility_timeout`` brings it back. The batching base keeps a ``BRPOP`` outstanding nearly all
the time (it raises the prefetch limit per buffered message), so live traffic, one small message
at a time, was exposed at every kill; the id-level trace of the chaos suite found the lost
statement in no Redis key and in no line of the worker's log.

What this transport does instead, on the same server and the same keys (publishers are untouched):

* a message is *moved*, atomically on the server, from its queue to an in-flight list of the
  consuming channel (``_xapi_router.inflight:<consumer>:<queue key>``): a Lua script tries the
  queue's keys in priority order (``RPOP`` + ``LPUSH``), and when all are empty the channel blocks
  on the queue's first key with ``BLMOVE`` for ``brpop_timeout`` (one second; at most
  :data:`HEARTBEAT_SECONDS`), so a message of another priority waits that long at most;
* once kombu has recorded it as unacknowledged (its ``unacked`` hash, as before), the message is
  removed from the in-flight list; from then on kombu's own recovery applies (``visibility_timeout``);
* each consumer refreshes ``_xapi_router.alive:<consumer>`` (expires after :data:`ALIVE_SECONDS`)
  every :data:`HEARTBEAT_SECONDS`, and every consumer, every :data:`HEARTBEAT_SECONDS` and at
  start-up, moves the in-flight messages of consumers that are no longer alive back to the front
  of their queue. A killed worker's taken message is back within :data:`ALIVE_SECONDS` plus a
  heartbeat; a worker only stalled that long gets it handled twice (the statement ids make a second
  POST harmless: the LRS answers 204/409), never lost.

It needs Redis 6.2 or later (``BLMOVE``/``LMOVE``); with an older server, a ``global_keyprefix``,
or :data:`XAPI_ROUTER_REDIS_RELIABLE_FETCH` off, the channel is kombu's own.

A worker uses it when :func:`use_reliable_fetch` ran at ``worker_init`` (connected below: any
Celery worker that imports the delivery tasks, as the LMS's workers do) and its broker is Redis.

The toggle ``XAPI_ROUTER_REDIS_RELIABLE_FETCH`` (on by default) is in :mod:`openedx_xapi_router.conf`.

Why one module of this size: the transport subclass, its Lua move, its heartbeat and its
recovery are one mechanism; none is usable apart.
"""
import logging
from queue import Empty
from time import monotonic, time
from uuid import uuid4

from celery.signals import worker_init
from kombu.transport import redis as kombu_redis
from kombu.transport import virtual
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import dumps, loads

from openedx_xapi_router.conf import router_settings

log = logging.getLogger(__name__)

INFLIGHT_PREFIX = "_xapi_router.inflight:"
OWNED_PREFIX = "_xapi_router.owned:"
ALIVE_PREFIX = "_xapi_router.alive:"
#: Seconds between a consumer's heartbeats (and its look for dead consumers' in-flight messages).
HEARTBEAT_SECONDS = 2.0
#: A consumer whose heartbeat is this many seconds old is dead: its in-flight messages go back.
ALIVE_SECONDS = 10
#: Most messages moved back from one dead consumer's in-flight list per look (bounded loop).
MOST_RECOVERED = 10_000
TRANSPORT = "openedx_xapi_router.delivery.redis_fetch:Transport"

# KEYS: (queue key, its in-flight list) pairs in priority order. Returns {queue key, message} or false.
_TAKE = """
for i = 1, #KEYS, 2 do
  local message = redis.call('RPOP', KEYS[i])
  if message then
    redis.call('LPUSH', KEYS[i + 1], message)
    return {KEYS[i], message}
  end
end
return false
"""


def _server_supports_move(client):
    version = str(client.info("server").get("redis_version", "0"))
    parts = [int(part) if part.isdigit() else 0 for part in version.split(".")[:2]]
    return tuple(parts + [0] * (2 - len(parts))) >= (6, 2)


class QoS(kombu_redis.QoS):
    """
    kombu's unacknowledged-message bookkeeping, plus this consumer's own set of the delivery tags it
    holds (``_xapi_router.owned:<consumer>``), written in the same transaction as kombu's
    ``unacked`` hash; recording a message also takes it out of the in-flight list, in that same
    transaction: at every moment a taken message is in exactly one of the two.
    """

    def append(self, message, delivery_tag):
        channel = self.channel
        if not channel.reliable:
            return super().append(message, delivery_tag)
        delivery = message.delivery_info
        with self.pipe_or_acquire() as pipe:  # MULTI ... EXEC
            pipe.zadd(self.unacked_index_key, {delivery_tag: time()})
            pipe.hset(self.unacked_key, delivery_tag,
                      dumps([message._raw, delivery["exchange"], delivery["routing_key"]]))  # pylint: disable=protected-access
            pipe.sadd(channel.owned_key, delivery_tag)
            if channel.taking is not None:
                pipe.lrem(*channel.taking)
                channel.taking = None
            pipe.execute()
        return virtual.QoS.append(self, message, delivery_tag)

    def _remove_from_indices(self, delivery_tag, pipe=None):
        pipe = super()._remove_from_indices(delivery_tag, pipe)
        return pipe.srem(self.channel.owned_key, delivery_tag) if self.channel.reliable else pipe


class Channel(kombu_redis.Channel):  # pylint: disable=abstract-method  # as kombu's own
    """kombu's Redis channel, taking messages by an atomic move into an in-flight list of its own."""

    QoS = QoS
    _reliable = None  # decided on the first fetch (server version, options)
    _fetch = None     # the command whose reply _brpop_read parses: "EVAL", "BLMOVE" or None (kombu's BRPOP)
    _blocking_key = None
    _block_next = False
    _beat_at = float("-inf")
    taking = None     # (in-flight list, 1, message) while the message just taken is being recorded

    def __init__(self, *args, **kwargs):
        self.consumer_id = uuid4().hex
        super().__init__(*args, **kwargs)

    def inflight_key(self, queue_key):
        return f"{INFLIGHT_PREFIX}{self.consumer_id}:{queue_key}"

    @property
    def owned_key(self):
        return f"{OWNED_PREFIX}{self.consumer_id}"

    @property
    def reliable(self):
        """True once this channel took a message with the atomic move (decided on its first fetch)."""
        return bool(self._reliable)

    def _is_reliable(self):
        if self._reliable is None:
            from django.conf import settings  # pylint: disable=import-outside-toplevel

            enabled = router_settings.REDIS_RELIABLE_FETCH if settings.configured else True
            with self.conn_or_acquire() as client:
                self._reliable = bool(enabled and not self.global_keyprefix and _server_supports_move(client))
            if not self._reliable:
                log.warning("xapi_router: this worker takes Redis messages with kombu's BRPOP (Redis older than "
                            "6.2, a global_keyprefix, or XAPI_ROUTER_REDIS_RELIABLE_FETCH off): a worker killed "
                            "while taking a message loses it")
        return self._reliable

    def _brpop_start(self, timeout=None):
        if not self._is_reliable():
            self._fetch = None
            return super()._brpop_start(timeout)
        if timeout is None:
            timeout = self.brpop_timeout
        queues = self._queue_cycle.consume(len(self.active_queues))
        if not queues:
            return None
        keys = list(dict.fromkeys(self._q_for_pri(queue, pri) for pri in self.priority_steps for queue in queues))
        self.heartbeat()
        connection = self.client.connection
        self._in_poll = connection
        self._brpop_sent_at = monotonic()  # kombu 5.7's BRPOP health check reads it
        if self._block_next:
            self._fetch, self._blocking_key = "BLMOVE", keys[0]
            # At most a heartbeat long: the next round refreshes this consumer's heartbeat.
            wait = min(timeout or HEARTBEAT_SECONDS, HEARTBEAT_SECONDS)
            connection.send_command("BLMOVE", keys[0], self.inflight_key(keys[0]), "RIGHT", "LEFT", wait)
        else:
            self._fetch = "EVAL"
            pairs = [part for key in keys for part in (key, self.inflight_key(key))]
            connection.send_command("EVAL", _TAKE, len(pairs), *pairs)
        return None

    def _brpop_read(self, **options):
        fetch = self._fetch
        if fetch is None:
            return super()._brpop_read(**options)
        try:
            try:
                reply = self.client.parse_response(self.client.connection, fetch, **options)
            except self.connection_errors:
                self.client.connection.disconnect()  # as kombu does: the next round reconnects
                raise
            if fetch == "BLMOVE":
                source, item = self._blocking_key, reply
            else:
                source, item = reply if reply else (None, None)
            if not item:
                # Every key empty: block on the first. A blocking wait that timed out: every key again.
                self._block_next = fetch == "EVAL"
                raise Empty()
            self._block_next = False
            source = bytes_to_str(source)
            queue = source.rsplit(self.sep, 1)[0]
            self._queue_cycle.rotate(queue)
            # QoS.append (in _deliver) records it as unacknowledged and takes it out of the in-flight
            # list in one transaction; if _deliver did not record it, it leaves the list here.
            self.taking = (self.inflight_key(source), 1, item)
            try:
                self.connection._deliver(loads(bytes_to_str(item)), queue)  # pylint: disable=protected-access
            finally:
                if self.taking is not None:
                    self.taking = None
                    with self.conn_or_acquire() as client:
                        client.lrem(self.inflight_key(source), 1, item)
            return True
        finally:
            self._in_poll = None
            self._fetch = None
            flush = getattr(self, "_flush_brpop_reauth", None)  # kombu 5.7
            if flush is not None:
                flush()

    def heartbeat(self, force=False):
        """Every HEARTBEAT_SECONDS: say this consumer is alive, give back what dead consumers held."""
        now = monotonic()
        if not self.reliable or (not force and now - self._beat_at < HEARTBEAT_SECONDS):
            return
        self._beat_at = now
        with self.conn_or_acquire() as client:
            client.set(ALIVE_PREFIX + self.consumer_id, "1", ex=ALIVE_SECONDS)
            recover_dead_consumers(client, self.qos, skip=self.consumer_id)


def recover_dead_consumers(client, qos, skip=None):
    """
    Give back what consumers that are no longer alive held: their in-flight messages (moved back to
    the front of their queue) and their unacknowledged ones (kombu's ``restore_by_tag``, as its
    ``visibility_timeout`` recovery does, without waiting for it). Returns how many came back.
    """
    back = 0
    for prefix in (INFLIGHT_PREFIX, OWNED_PREFIX):
        for raw_key in client.scan_iter(match=prefix + "*", count=500):
            key = bytes_to_str(raw_key)
            consumer_id, _, source = key[len(prefix):].partition(":")
            if consumer_id == skip or client.exists(ALIVE_PREFIX + consumer_id):
                continue
            moved = 0
            if prefix == INFLIGHT_PREFIX:
                while moved < MOST_RECOVERED and client.lmove(key, source, "RIGHT", "RIGHT") is not None:
                    moved += 1
            else:
                for tag in list(client.srandmember(key, MOST_RECOVERED) or ()):
                    qos.restore_by_tag(bytes_to_str(tag), client=client)
                    client.srem(key, tag)
                    moved += 1
            if moved:
                log.warning("xapi_router: %d message(s) %s by a worker that is gone are back in their queue",
                            moved, "taken" if prefix == INFLIGHT_PREFIX else "held unacknowledged")
            back += moved
    return back


class Transport(kombu_redis.Transport):  # pylint: disable=abstract-method  # as kombu's own
    """kombu's Redis transport with :class:`Channel`, whose heartbeats run on the worker's event loop."""

    Channel = Channel

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._heartbeat_timer = None

    def register_with_event_loop(self, connection, loop):
        super().register_with_event_loop(connection, loop)
        if self._heartbeat_timer is not None:  # registered again after a reconnection
            self._heartbeat_timer.cancel()
        self._heartbeat_timer = loop.call_repeatedly(HEARTBEAT_SECONDS, self._heartbeats)

    def _heartbeats(self):
        for channel in list(self.cycle._channels):  # pylint: disable=protected-access
            if isinstance(channel, Channel) and channel.active_queues:
                try:
                    channel.heartbeat(force=True)
                except channel.connection_errors:
                    log.debug("xapi_router: heartbeat skipped, the broker connection is broken", exc_info=True)


def use_reliable_fetch(app):
    """Make ``app``'s Redis broker connections use :class:`Transport`; True when it did."""
    from django.conf import settings  # pylint: disable=import-outside-toplevel

    if settings.configured and not router_settings.REDIS_RELIABLE_FETCH:
        return False
    transport = app.conf.broker_transport
    url = app.conf.broker_read_url or app.conf.broker_url or ""
    scheme = url.split("://", 1)[0] if isinstance(url, str) and "://" in url else None
    if transport in (None, "", "redis", "rediss") and scheme in ("redis", "rediss") or transport == TRANSPORT:
        app.conf.broker_transport = TRANSPORT
        log.info("xapi_router: this worker takes Redis messages by an atomic move (%s)", __name__)
        return True
    return False


@worker_init.connect
def _on_worker_init(sender=None, **kwargs):
    try:
        use_reliable_fetch(sender.app)
    except Exception:  # pylint: disable=broad-except
        log.exception("xapi_router: could not switch this worker to the reliable Redis fetch; kombu's BRPOP is used")
