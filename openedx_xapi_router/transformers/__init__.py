"""
Transformers, one module per family (or per concern of a large family). The transformer for an
event lives in a module named for its family: ``play_video`` in
:mod:`~openedx_xapi_router.transformers.video` (version 2, the xAPI video profile, in
:mod:`~openedx_xapi_router.transformers.video_profile`), ``showanswer`` in
:mod:`~openedx_xapi_router.transformers.problem` (``problem_check`` in
:mod:`~openedx_xapi_router.transformers.problem_check`, the browser-only ``problem_show`` and
``problem_graded`` in :mod:`~openedx_xapi_router.transformers.problem_browser`),
``edx.course.enrollment.activated`` in :mod:`~openedx_xapi_router.transformers.enrollment`, and
so on; each class also declares its ``family``.

Nothing here lists the modules: :func:`openedx_xapi_router.core.registry.default_registry` imports
every module under this package (sub-packages included) and registers the classes each marks with
:func:`~openedx_xapi_router.core.registry.register`. A new family is a new module; a new event is
a new class in one.
"""
