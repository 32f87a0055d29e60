"""The LMS's course overviews app (see ``models``, ``api``)."""
