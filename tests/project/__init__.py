"""
A standalone Django project around the plugin, for tests, benchmarks and the demo.
"""
