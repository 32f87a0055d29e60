"""
Settings of the xAPI router, loaded into the LMS by edx-django-utils' plugin framework.
"""
