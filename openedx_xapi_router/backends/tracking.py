"""
The event-tracking backend the LMS sends tracking events to.

PLACEHOLDER, NOT YET WIRED: the real backend (transform, then queue delivery on Celery) is built
in its own issue. This class exists so that ``settings.common.add_tracking_backend`` names an
importable ENGINE; today it accepts events and drops them.
"""


class XapiRouterBackend:
    """
    Placeholder event-tracking backend: accepts every event and does nothing with it yet.
    """

    def __init__(self, **options):
        self.options = options

    def send(self, event):
        """
        Accept one tracking event. Not yet wired: the event is dropped.
        """
