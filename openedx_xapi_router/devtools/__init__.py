"""
Development tools: a local Ralph LRS, sample data. Not used by the LMS at run time.
"""
