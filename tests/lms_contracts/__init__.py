"""Tests against the LMS's real contracts, in the test LMS (``tests/lms_root``)."""
