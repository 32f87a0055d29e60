"""
Bounded memos: the one policy for every dict of results remembered per key (course activities,
id prefixes, video usage keys...). A memo forgets everything once it holds its limit, then fills
again: no bookkeeping per hit, and memory bounded by the limit.
"""


def remember(memo, key, value, limit):
    """Store ``value`` under ``key`` in ``memo`` (a dict), emptied first if it holds ``limit``; return ``value``."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
