"""The one write-or-check step every docs generator of :mod:`openedx_xapi_router.devtools` ends with."""
import sys


def check_or_write(path, text, module, check):
    """
    With ``check``, return 1 (and say how to fix it) when ``path`` does not hold ``text``, else 0;
    without, write ``text`` to ``path`` (creating its directory) and return 0.
    """
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            sys.stderr.write(f"{path} is stale: run python -m {module}\n")
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return 0
