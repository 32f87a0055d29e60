"""
Byte identity of the whole output: every statement (xAPI and Caliper) made from the shared clean
and dirty corpora, serialised as the CLI writes it, hashed in order.

A guard for work that must not change what is produced (speed work, refactors: issue #19 asks for
"statements identical to before on the clean and dirty corpora"). The digests were taken from
commit 87e2176 by running this same function; a change that alters any statement, its order or its
serialisation fails here, and one that means to change output must bump the transformer's version
and re-take the digest with the reason in the commit. The corpus files are pinned by their own
sha256 first, so a regenerated corpus is reported as such, not as a change of ours.
"""
import hashlib

import pytest

from openedx_xapi_router.core.context import TransformContext
from openedx_xapi_router.core.pipeline import serialize, transform_lines
from openedx_xapi_router.core.reader import read_lines
from openedx_xapi_router.core.registry import CALIPER, XAPI
from openedx_xapi_router.core.report import Report
from tests.transformers.samples import SHARED_DIR, require_shared

CORPUS = SHARED_DIR / "corpus"

#: sha256 of the corpus files these digests were taken from (../shared/corpus, generator 1.1.0).
CORPUS_SHA256 = {
    "clean-10k.log": "c1a632fc93a6034d27e99d2bf1acb64370430f00421f8b698cd1dcfa4dcb6067",
    "dirty-10k.log": "b8d263761f606b1f5d0ab1bf669ff616c9d649bea4b06ead73b52d7091e89012",
}

#: (format, corpus) -> (statements, sha256 of the statements, one serialised statement per line).
EXPECTED = {
    (XAPI, "clean-10k.log"): (9910, "c442bcaf073ed5cfca7ad685c348be311f453d2681e79c3003643ae42aa56955"),
    (XAPI, "dirty-10k.log"): (9481, "4e49a58bd91ffffcd39bdb18189a43a024ad32d7140e83d2ae8a65d8ade740c6"),
    (CALIPER, "clean-10k.log"): (6330, "c7e6d51c40e28a8eabaa07385af44428c4a58c6ce869f9f135f00097d12daa2f"),
    (CALIPER, "dirty-10k.log"): (6408, "f4e86f951d36b6948c93906467c3f0dde2afa885bbb6dee1733d0b67f4b74372"),
}


def digest(path, output_format):
    """(statements, sha256) of everything the pipeline makes from the log at ``path``."""
    ctx = TransformContext.from_maps("https://courses.example.org", actor_secret="corpus-secret",
                                     course_name_map={"*": "A Course"})
    report = Report()
    sha = hashlib.sha256()
    count = 0
    with open(path, "rb") as file:
        for _, produced in transform_lines(read_lines(file, str(path)), ctx, report, output_format=output_format):
            for statement in produced:
                sha.update(serialize(statement))
                sha.update(b"\n")
                count += 1
    assert count == report.statements
    return count, sha.hexdigest()


@pytest.mark.parametrize(("output_format", "name"), sorted(EXPECTED))
def test_output_is_byte_identical(output_format, name):
    path = CORPUS / name
    require_shared(path, "the shared tracking-log corpus")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == CORPUS_SHA256[name], (
        f"{path} is not the corpus the digests were taken from: re-take them from the last commit's output"
    )
    assert digest(path, output_format) == EXPECTED[(output_format, name)]
