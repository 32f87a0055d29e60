"""
Talking to Learning Record Stores over HTTP.
"""
