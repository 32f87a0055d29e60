"""tutor-contrib-xapi-router: a Tutor plugin for openedx-xapi-router."""
