"""The command line and the write-or-check step every docs generator of :mod:`openedx_xapi_router.devtools` shares."""
import argparse
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


def generator_main(argv, module, doc, path, make_text):
    """
    The command line of a generator that writes ``path`` (``--check``: exit 1 when it is stale):
    ``module`` is the generator's dotted name (``python -m <module>``), ``doc`` its docstring (the
    first line is the description), ``make_text`` returns the file's text. Returns the exit status.
    """
    description = doc.strip().splitlines()[0]
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed file is stale")
    args = parser.parse_args(argv)
    return check_or_write(path, make_text(), module, args.check)
