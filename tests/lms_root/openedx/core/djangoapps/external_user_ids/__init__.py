"""The LMS's external user ids app (see ``models``)."""
