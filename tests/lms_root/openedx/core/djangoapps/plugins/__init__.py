"""The LMS's plugin constants package (see ``constants``)."""
