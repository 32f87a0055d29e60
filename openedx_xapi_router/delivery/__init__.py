"""
Live delivery: tracking event -> Celery -> LRS, batched, retried, with a dead-letter store.

Layout (pure core first, thin shells around it):

* :mod:`.core`: what to do with one batch (de-duplicate, POST, bisect rejections, retry or not),
  no Django, Celery or network;
* :mod:`.client`: the pooled per-endpoint HTTP client (``Retry-After`` aware) and ``test_connection``;
* :mod:`.store`: dead letters, hourly counters, last success/failure (atomic upserts);
* :mod:`.service`: delivery to one endpoint with its bookkeeping, retry scheduling;
* :mod:`.circuit`: the per-endpoint circuit breaker (a failing or slow LRS holds no worker slot);
* :mod:`.batching`: the Celery task base that batches messages and acknowledges them late;
* :mod:`.tasks`: the Celery tasks;
* :mod:`.sending`: the send path in the LMS request (filter, transform, publish, or dead-letter
  when the broker is down);
* :mod:`.replay` and :mod:`.status`: what the replay command and the admin use.
"""
