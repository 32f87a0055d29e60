"""
Event-tracking backends of the xAPI router.
"""
