"""
Transformers, one module per family. The transformer for an event lives in the module named for
its family: ``play_video`` in :mod:`~openedx_xapi_router.transformers.video`, ``problem_check`` in
:mod:`~openedx_xapi_router.transformers.problem`, ``edx.course.enrollment.activated`` in
:mod:`~openedx_xapi_router.transformers.enrollment`, and so on.

Importing this package registers every built-in transformer with :data:`registry`.
"""
from openedx_xapi_router.core.registry import TransformerRegistry

#: The registry the live path, the backfill command and the CLI use.
registry = TransformerRegistry()

# Each module registers its classes on import.
from openedx_xapi_router.transformers import enrollment  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import video  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import navigation  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import completion  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import problem  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import grading  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import forum  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import exam  # noqa: E402,F401  pylint: disable=wrong-import-position
# Events event-routing-backends does not transform (docs/beyond_erb.rst).
from openedx_xapi_router.transformers import ora  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import drag_and_drop  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import textbook  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import poll  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import bookmark  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import certificate  # noqa: E402,F401  pylint: disable=wrong-import-position
from openedx_xapi_router.transformers import cohort  # noqa: E402,F401  pylint: disable=wrong-import-position

# Transformers other packages declare (entry point group ``openedx_xapi_router.transformers``).
registry.load_entry_points()
