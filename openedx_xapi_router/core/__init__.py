"""
The pure core: tracking events in, xAPI statements out.

Nothing under this package imports Django, Celery or an HTTP library, so the live path (inside the
LMS), the backfill command and the standalone CLI share it and give the same statement for the same
event, byte for byte.
"""
