"""
The pseudonymous actor cache and the validator's remembered actor parts are bounded (issue #19).

The live-path and LRS-client peak-RSS runs of ``benchmarks/`` give every event its own learner:
their peaks grow by about 0.8 MB per thousand events while this cache fills (docs/benchmarks.rst,
"Memory: peak RSS of separate runs"). This checks where that growth stops: at the cache's
65,536 entries (``lru_cache(maxsize=65536)`` in ``core/context.py``), after which learners past
the bound replace the oldest and the resident set stops growing. Measured in a fresh process
(``VmRSS`` of ``/proc/self/status``, proc(5)), so nothing of the test session counts.

The statement check's quick walk keeps every actor part it found valid alive too (by ``id()``, so
the id is not reused: ``_SharedParts`` in ``core/validate.py``), up to 65,536, then forgets them
all: the second bound on the same growth.
"""
import json
import subprocess
import sys
from pathlib import Path

from openedx_xapi_router.core import validate
from openedx_xapi_router.core.context import PseudonymousActorResolver

REPO_ROOT = Path(__file__).resolve().parents[2]
BOUND = 65_536

FILL = f"""
import json
from openedx_xapi_router.core import validate
from openedx_xapi_router.core.context import PseudonymousActorResolver
from benchmarks.memory import status_mb

resolver = PseudonymousActorResolver("https://courses.example.org", "secret")
rss = {{"start": status_mb("self", "VmRSS")}}
for user in range(1, 2 * {BOUND} + 1):
    resolver(user)
    if user in ({BOUND}, 2 * {BOUND}):
        rss[str(user)] = status_mb("self", "VmRSS")
print(json.dumps({{"rss": rss, "entries": resolver._cached.cache_info().currsize}}))
"""


def test_the_cache_keeps_at_most_its_bound_and_the_oldest_go_first():
    resolver = PseudonymousActorResolver("https://courses.example.org", "secret")
    first = resolver(1)
    for user in range(2, BOUND + 2):  # one more than the bound: user 1 is the oldest, and goes
        resolver(user)
    info = resolver._cached.cache_info()  # pylint: disable=protected-access
    assert (info.currsize, info.maxsize, info.misses, info.hits) == (BOUND, BOUND, BOUND + 1, 0)
    assert resolver(BOUND + 1) == resolver(BOUND + 1)  # the newest is kept: a hit
    assert resolver(1) == first  # the oldest was dropped: computed again, the same actor
    info = resolver._cached.cache_info()  # pylint: disable=protected-access
    assert (info.currsize, info.misses, info.hits) == (BOUND, BOUND + 2, 2)


def test_the_resident_set_stops_growing_at_the_bound():
    """Twice as many learners as the bound: the second half adds under a tenth of what the first did."""
    completed = subprocess.run([sys.executable, "-c", FILL], cwd=REPO_ROOT, check=True, capture_output=True,
                               text=True)
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    rss = result["rss"]
    assert result["entries"] == BOUND
    filling = rss[str(BOUND)] - rss["start"]
    after = rss[str(2 * BOUND)] - rss[str(BOUND)]
    assert filling > 20  # MB: the cache's entries are real memory (about 0.8 kB each) ...
    assert after < filling / 10  # ... and past the bound they are replaced, not added


def test_the_validator_remembers_at_most_its_limit_of_shared_parts():
    # pylint: disable=protected-access
    assert validate._SHARED.limit == BOUND
    shared = validate._SharedParts(limit=3)
    parts = [{"objectType": "Agent", "account": {"homePage": "https://h.example", "name": str(n)}} for n in range(4)]
    for part in parts[:3]:
        shared.remember(part)
    assert list(shared.valid.values()) == parts[:3]
    shared.remember(parts[3])  # at the limit: all forgotten, the new one kept
    assert shared.valid == {id(parts[3]): parts[3]}
