"""
Switching from event-routing-backends (ERB): the pieces that let a site move in small, reversible steps.

* :mod:`.processor`: ``XapiRouterProcessor``, a drop-in replacement for ERB's ``XApiProcessor`` in
  ERB's own ``EVENT_TRACKING_BACKENDS`` pipeline (ERB keeps routing; our library transforms);
* :mod:`.compat`: facts about ERB's configuration (its router engines, its xAPI processor, how its
  LRS client turns a route URL into a statements URL, its Redis dead queue keys), used by the
  import command and by the double-delivery checks;
* :mod:`.importer`: ERB's xAPI router configurations as our ``LrsEndpoint`` rows, and ERB's Redis
  dead queue as our dead letters (``manage.py import_erb_router_configurations``);
* :mod:`.statement_log`: the ``xapi_tracking`` logger ERB writes each statement to, for sites
  that ship statements from their logs (``XAPI_ROUTER_LOG_STATEMENTS``).

See ``docs/migrating_from_erb.rst``.
"""
