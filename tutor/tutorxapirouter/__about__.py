"""The plugin's version: the openedx-xapi-router release it installs by default."""
__version__ = "0.1.0"
