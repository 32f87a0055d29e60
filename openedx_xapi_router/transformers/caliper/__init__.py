"""
Caliper 1.2 transformers: the events event-routing-backends transforms into Caliper, one small
declarative class per event, one module per family (:mod:`.video`, :mod:`.navigation`,
:mod:`.problem`, :mod:`.enrollment`), on the :class:`~.base.CaliperTransformer` base
(``output_format = "caliper"``). Each module lists its classes in ``TRANSFORMERS``; nothing here
registers on import (the xAPI registry of today keys by event name and version only, and these
event names are the xAPI ones). See ``docs/caliper.rst``.
"""
