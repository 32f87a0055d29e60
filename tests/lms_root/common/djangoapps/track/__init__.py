"""The LMS's tracking app (only the shim processors its EVENT_TRACKING_BACKENDS name)."""
