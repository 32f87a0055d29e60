"""
Shape test: for every sample event with an entry in ``shared/xapi/shapes.json``, our statements have
exactly the expected shape.

Per statement (list order kept): the verb IRI, the object's ``objectType``, the object's activity
type, and the exact set of key paths with the JSON type of each value. Paths use shapes.json's
syntax: keys joined by ``.``, list items as ``[i]`` (``context.contextActivities.parent[0].id``);
extension IRIs appear as keys, dots and all. Only leaves (strings, numbers, booleans, null) have a
path; an empty object or list has none, as in shapes.json. Samples whose name contains
``anonymous`` must be refused (``shared/xapi/README.md``), whatever shapes.json holds for them.
"""
import pytest

from openedx_xapi_router.core.errors import EventSkipped, InvalidEvent
from openedx_xapi_router.core.pipeline import transform_event
from tests.transformers import samples


def json_type(value):
    """The JSON type name shapes.json uses: ``str``, ``int``, ``float``, ``bool``, ``NoneType``."""
    return type(value).__name__


def flatten(value, prefix=""):
    """``{path: json type}`` for every leaf of a JSON value, paths in shapes.json's syntax."""
    if isinstance(value, dict):
        paths = {}
        for key, child in value.items():
            paths.update(flatten(child, f"{prefix}.{key}" if prefix else key))
        return paths
    if isinstance(value, list):
        paths = {}
        for index, child in enumerate(value):
            paths.update(flatten(child, f"{prefix}[{index}]"))
        return paths
    return {prefix: json_type(value)}


def shape_of(statement):
    """A statement's shape, in shapes.json's form."""
    obj = statement.get("object", {})
    return {
        "verb": statement.get("verb", {}).get("id"),
        "object.objectType": obj.get("objectType"),
        "object.definition.type": obj.get("definition", {}).get("type"),
        "paths": flatten(statement),
    }


#: Where shapes.json says ``int`` and the statement has a float. ERB's expected fixtures write ``0`` and
#: ``1`` in a problem's score for six samples, and shapes.json records those; but ERB itself never
#: emits an int there (tincan's ``Score`` converts every value to float), and neither do we. That ERB
#: gives floats for exactly those samples is checked against ERB itself below.
TINCAN_FLOAT_PATHS = frozenset(("result.score.raw", "result.score.min", "result.score.max", "result.score.scaled"))


def expected_paths(shape):
    """shapes.json's ``{path: type}`` for one statement, with :data:`TINCAN_FLOAT_PATHS` read as float."""
    return {path: "float" if path in TINCAN_FLOAT_PATHS and kind == "int" else kind
            for path, kind in shape["paths"].items()}


def test_flatten_uses_the_shapes_json_syntax():
    statement = {
        "a": {"b": [{"c": 1}, {"d": 1.5, "e": True}], "empty": {}, "none": []},
        "context": {"extensions": {"https://w3id.org/xapi/video/extensions/length": 2.0}},
        "s": "x",
    }
    assert flatten(statement) == {
        "a.b[0].c": "int",
        "a.b[1].d": "float",
        "a.b[1].e": "bool",
        "context.extensions.https://w3id.org/xapi/video/extensions/length": "float",
        "s": "str",
    }


def _shape_files():
    if not (samples.XAPI_DIR / "shapes.json").is_file():
        return []
    return sorted(samples.load_shapes())


SHAPE_FILES = _shape_files()


def test_every_shape_names_a_sample():
    samples.require_samples()
    assert len(SHAPE_FILES) == 77
    assert {name.removesuffix(".json") for name in SHAPE_FILES} <= set(samples.sample_names())


@pytest.mark.parametrize("file_name", SHAPE_FILES or ["<samples missing>"])
def test_statements_have_the_expected_shape(file_name):
    samples.require_samples()
    expected = samples.load_shapes()[file_name]
    name = file_name.removesuffix(".json")
    if "anonymous" in name:
        # ERB's fixture has a statement (its tests mock the actor lookup); ours must refuse the event.
        with pytest.raises(EventSkipped) as skipped:
            transform_event(samples.load_event(name), samples.reference_context())
        assert skipped.value.reason == "anonymous"
        return
    if name in samples.REFUSED:
        with pytest.raises(InvalidEvent) as invalid:
            transform_event(samples.load_event(name), samples.reference_context())
        assert (invalid.value.field, invalid.value.kind) == samples.REFUSED[name]
        return
    statements = transform_event(samples.load_event(name), samples.reference_context())
    assert len(statements) == len(expected)
    for index, (statement, shape) in enumerate(zip(statements, expected, strict=True)):
        actual = shape_of(statement)
        assert actual["verb"] == shape["verb"], index
        assert actual["object.objectType"] == shape["object.objectType"], index
        assert actual["object.definition.type"] == shape["object.definition.type"], index
        paths = expected_paths(shape)
        missing = sorted(set(paths) - set(actual["paths"]))
        extra = sorted(set(actual["paths"]) - set(paths))
        wrong_type = sorted(
            f"{path}: ours {actual['paths'][path]}, expected {kind}"
            for path, kind in paths.items() if path in actual["paths"] and actual["paths"][path] != kind
        )
        assert (missing, extra, wrong_type) == ([], [], []), f"statement {index}: missing, extra, wrong type"
        assert actual["paths"] == paths


def test_erb_gives_float_scores_where_shapes_json_says_int():
    """The evidence for :data:`TINCAN_FLOAT_PATHS`: ERB's own statements have floats at those paths."""
    samples.require_samples()
    # Imported here: the oracle sets up Django, which only this test needs.
    from tests import erb_oracle

    def int_score_paths(shape):
        return sorted(path for path, kind in shape["paths"].items() if path in TINCAN_FLOAT_PATHS and kind == "int")

    int_scores = {file_name: [int_score_paths(shape) for shape in shapes]
                  for file_name, shapes in samples.load_shapes().items()}
    int_scores = {file_name: paths for file_name, paths in int_scores.items() if any(paths)}
    assert len(int_scores) == 6
    for file_name, paths_per_statement in int_scores.items():
        event = erb_oracle.normalize_line(samples.load_event(file_name.removesuffix(".json")))
        statements = erb_oracle.transform_event(event)
        assert isinstance(statements, list), (file_name, statements)
        for statement, paths in zip(statements, paths_per_statement, strict=True):
            flat = flatten(statement)
            assert {path: flat[path] for path in paths} == dict.fromkeys(paths, "float"), file_name
