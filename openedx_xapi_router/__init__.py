"""
openedx-xapi-router: Open edX tracking-log events as xAPI statements, delivered to LRSs.
"""

__version__ = "0.1.0"
