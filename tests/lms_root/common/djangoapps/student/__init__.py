"""The LMS's student app (only what the router calls: see ``models``)."""
