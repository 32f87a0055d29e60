"""Package of the test LMS (see tests/lms_root/README.rst)."""
