"""
The settings table (``openedx_xapi_router/conf.py``): the annotations code-annotations reads agree
with it, the plugin settings apply it, ``router_settings`` reads Django's settings through it, and
no code reads an ``XAPI_ROUTER_*`` setting that is not in it.

The annotations are read the way the Open edX tooling reads them: code-annotations' static search
(the installed code-annotations 2.3.2, ``code_annotations/find_static.py``) with the configurations
it ships for settings and toggles (openedx/code-annotations, commit
e10a9c6c4e7b195043645e7f5206aaeeaebef7f1, ``code_annotations/contrib/config/setting_annotations.yaml``
and ``feature_toggle_annotations.yaml``).
"""
import ast
import re
import types
from pathlib import Path

import code_annotations
import pytest
from code_annotations.base import AnnotationConfig
from code_annotations.find_static import StaticSearch
from django.conf import settings
from django.test import override_settings

from openedx_xapi_router import conf
from openedx_xapi_router.conf import SETTINGS, SETTINGS_BY_NAME, RouterSettings, router_settings, settings_of
from openedx_xapi_router.settings import common, production

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "openedx_xapi_router"
CONTRIB = Path(code_annotations.__file__).parent / "contrib" / "config"

#: The settings of the router, as they were before the table existed (settings/common.py at main).
EXPECTED_NAMES = [
    "XAPI_ROUTER_ENABLED", "XAPI_ROUTER_BACKEND_NAME", "XAPI_ROUTER_TRANSFORMER_VERSIONS",
    "XAPI_ROUTER_ALLOWED_EVENT_NAMES", "XAPI_ROUTER_CELERY_QUEUE", "XAPI_ROUTER_PUBLISH_IN_BACKGROUND",
    "XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD", "XAPI_ROUTER_RETRY_BACKOFF_BASE", "XAPI_ROUTER_RETRY_BACKOFF_MAX",
    "XAPI_ROUTER_ENCRYPTION_KEYS", "XAPI_ROUTER_ALLOW_INSECURE_HTTP", "XAPI_ROUTER_ACTOR_SECRET",
    "XAPI_ROUTER_LMS_ROOT_URL", "XAPI_ROUTER_ACTOR_ID_SOURCE", "XAPI_ROUTER_COURSE_NAME_SOURCE",
    "XAPI_ROUTER_LOG_STATEMENTS", "XAPI_ROUTER_REDIS_RELIABLE_FETCH",
]


def annotation_groups(config_name, tmp_path):
    """
    ``{(file, setting name): {token: text}}`` for every annotation group code-annotations finds in
    the package with one of its contrib configurations; fails on any error code-annotations reports
    (a missing required token, an unknown choice, a duplicate).
    """
    config = AnnotationConfig(
        str(CONTRIB / config_name), report_path_override=str(tmp_path), verbosity=-1,
        source_path_override=str(PACKAGE),
    )
    search = StaticSearch(config)
    results = search.search()
    assert search.check_results(results), search.errors
    groups = {}
    for filename, annotations in results.items():
        for group in search.iter_groups(annotations):
            tokens = {annotation["annotation_token"]: annotation["annotation_data"] for annotation in group}
            name = tokens.get(".. setting_name:") or tokens.get(".. toggle_name:")
            key = (Path(filename).as_posix(), name)  # relative to the source path
            assert key not in groups, f"{name} annotated twice in {filename}"
            groups[key] = tokens
    return groups


@pytest.fixture(name="annotations", scope="module")
def annotations_fixture(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("annotations")
    return {
        "setting": annotation_groups("setting_annotations.yaml", tmp_path),
        "toggle": annotation_groups("feature_toggle_annotations.yaml", tmp_path),
    }


def test_the_table_holds_every_setting_once():
    assert [setting.name for setting in SETTINGS] == EXPECTED_NAMES
    assert len(SETTINGS_BY_NAME) == 17
    for setting in SETTINGS:
        assert getattr(RouterSettings, setting.name.removeprefix("XAPI_ROUTER_")) is setting
        assert isinstance(setting.default, setting.types), setting


def test_every_table_entry_is_annotated_in_the_table_and_nowhere_else(annotations):
    settings_found = {name: (path, tokens) for (path, name), tokens in annotations["setting"].items()}
    toggles_found = {name: (path, tokens) for (path, name), tokens in annotations["toggle"].items()}
    assert not set(settings_found) & set(toggles_found)
    assert sorted([*settings_found, *toggles_found]) == sorted(EXPECTED_NAMES)
    assert {path for path, _ in [*settings_found.values(), *toggles_found.values()]} == {"conf.py"}
    assert sorted(toggles_found) == sorted(setting.name for setting in SETTINGS if setting.is_toggle)
    assert len(toggles_found) == 5


def test_annotated_defaults_are_the_table_defaults(annotations):
    for (_, name), tokens in [*annotations["setting"].items(), *annotations["toggle"].items()]:
        setting = SETTINGS_BY_NAME[name]
        text = tokens.get(".. setting_default:") or tokens.get(".. toggle_default:")
        default = ast.literal_eval(text)
        assert default == setting.default and type(default) is type(setting.default), (name, text)


def test_secrets_and_personal_data_carry_a_warning(annotations):
    warned = {
        name for (_, name), tokens in [*annotations["setting"].items(), *annotations["toggle"].items()]
        if tokens.get(".. setting_warning:") or tokens.get(".. toggle_warning:")
    }
    sensitive = {setting.name for setting in SETTINGS if setting.secret or setting.personal_data}
    assert sensitive == {"XAPI_ROUTER_ENCRYPTION_KEYS", "XAPI_ROUTER_ACTOR_SECRET", "XAPI_ROUTER_ACTOR_ID_SOURCE",
                         "XAPI_ROUTER_LOG_STATEMENTS"}
    assert sensitive <= warned
    assert warned - sensitive == {"XAPI_ROUTER_PUBLISH_IN_BACKGROUND"}


def test_production_overrides_exactly_the_overridable_settings():
    tokens = {name: f"from-yaml-{name}" for name in EXPECTED_NAMES}
    tokens["XAPI_ROUTER_NOT_A_SETTING"] = "ignored"
    module = types.SimpleNamespace(ENV_TOKENS=dict(tokens), EVENT_TRACKING_BACKENDS={})
    production.plugin_settings(module)
    overridden = sorted(name for name in EXPECTED_NAMES if getattr(module, name) == tokens[name])
    assert overridden == sorted(setting.name for setting in SETTINGS if setting.overridable)
    assert overridden == sorted(EXPECTED_NAMES)  # today the YAML may set every setting
    assert production.OVERRIDABLE_SETTINGS == conf.OVERRIDABLE_SETTINGS
    assert not hasattr(module, "XAPI_ROUTER_NOT_A_SETTING")


def test_a_setting_not_overridable_is_left_alone(monkeypatch):
    monkeypatch.setattr(production, "OVERRIDABLE_SETTINGS", ("XAPI_ROUTER_ENABLED",))
    module = types.SimpleNamespace(ENV_TOKENS={"XAPI_ROUTER_ENABLED": True, "XAPI_ROUTER_CELERY_QUEUE": "q"})
    production.plugin_settings(module)
    assert module.XAPI_ROUTER_ENABLED is True
    assert module.XAPI_ROUTER_CELERY_QUEUE is None


def test_common_sets_every_default_and_never_shares_the_tables_objects():
    first, second = types.SimpleNamespace(), types.SimpleNamespace()
    common.plugin_settings(first)
    common.plugin_settings(second)
    assert {name: getattr(first, name) for name in EXPECTED_NAMES} == {s.name: s.default for s in SETTINGS}
    first.XAPI_ROUTER_ENCRYPTION_KEYS.append("k")
    first.XAPI_ROUTER_TRANSFORMER_VERSIONS["edx.video.played"] = 1
    assert second.XAPI_ROUTER_ENCRYPTION_KEYS == [] and second.XAPI_ROUTER_TRANSFORMER_VERSIONS == {}
    assert conf.RouterSettings.ENCRYPTION_KEYS.default == []
    assert conf.RouterSettings.TRANSFORMER_VERSIONS.default == {}


def test_router_settings_follow_override_settings():
    assert router_settings.ACTOR_ID_SOURCE == "pseudonymous"  # tests/project/settings.py
    with override_settings(XAPI_ROUTER_ACTOR_ID_SOURCE="mbox", XAPI_ROUTER_DEAD_LETTER_ALERT_THRESHOLD=7):
        assert router_settings.ACTOR_ID_SOURCE == "mbox"
        assert router_settings.DEAD_LETTER_ALERT_THRESHOLD == 7
    assert router_settings.ACTOR_ID_SOURCE == "pseudonymous"
    assert router_settings.DEAD_LETTER_ALERT_THRESHOLD == 1000


def test_an_absent_setting_reads_as_its_default():
    with override_settings():
        del settings.XAPI_ROUTER_LOG_STATEMENTS
        del settings.XAPI_ROUTER_TRANSFORMER_VERSIONS
        assert not hasattr(settings, "XAPI_ROUTER_LOG_STATEMENTS")
        assert router_settings.LOG_STATEMENTS is True
        versions = router_settings.TRANSFORMER_VERSIONS
        assert versions == {}
        versions["x"] = 1
        assert router_settings.TRANSFORMER_VERSIONS == {}
    empty = settings_of(types.SimpleNamespace())
    assert {s.name: getattr(empty, s.name.removeprefix("XAPI_ROUTER_")) for s in SETTINGS} == {
        s.name: s.default for s in SETTINGS
    }


def test_an_unknown_setting_or_an_assignment_is_refused():
    with pytest.raises(AttributeError, match=r"XAPI_ROUTER_LOG_STATEMENT is not a setting of the xAPI router.*"
                                             r"XAPI_ROUTER_LOG_STATEMENTS"):
        _ = router_settings.LOG_STATEMENT
    with pytest.raises(AttributeError, match="XAPI_ROUTER_ENABLED is a Django setting"):
        router_settings.ENABLED = True
    assert router_settings.ENABLED is False


def test_a_declaration_must_match_its_attribute_name():
    with pytest.raises((ValueError, RuntimeError)) as raised:  # Python 3.11 wraps it in a RuntimeError
        type("Broken", (), {"ENABLE": conf.Setting("XAPI_ROUTER_ENABLED", bool, False)})
    error = raised.value if isinstance(raised.value, ValueError) else raised.value.__cause__
    assert str(error) == "Broken.ENABLE must declare XAPI_ROUTER_ENABLE, not XAPI_ROUTER_ENABLED"
    with pytest.raises(ValueError, match="starts with XAPI_ROUTER_"):
        conf.Setting("ENABLED", bool, False)


def test_unknown_setting_names():
    source = types.SimpleNamespace(XAPI_ROUTER_ENABLED=True, XAPI_ROUTER_ENABLE=True, XAPI_ROUTER_QUEUE="q", OTHER=1)
    assert conf.unknown_setting_names(source) == ["XAPI_ROUTER_ENABLE", "XAPI_ROUTER_QUEUE"]
    assert conf.unknown_setting_names({"XAPI_ROUTER_LOG_STATEMENTS": True, "XAPI_ROUTER_X": 1}) == ["XAPI_ROUTER_X"]


# --- Every read of a setting names a table entry --------------------------------------------------------

#: Reads of settings that still use ``getattr(settings, "XAPI_ROUTER_...", default)``: files others
#: rewrite today; the coordinator switches them to ``router_settings`` after merging (then this shrinks).
GETATTR_PENDING: set = set()  # every read goes through conf.router_settings
SETTING_CALLS = {"getattr", "hasattr", "setattr", "delattr"}
#: Environment variables (not Django settings) that share the prefix.
ENVIRONMENT_VARIABLES = {
    "XAPI_ROUTER_RALPH_PYTHON", "XAPI_ROUTER_DATABASE_URL", "XAPI_ROUTER_BROKER_URL", "XAPI_ROUTER_REDIS_URL",
    "XAPI_ROUTER_REQUIRE_SERVICES",
}


def setting_reads(tree):
    """
    ``(line, name, how)`` for every place ``tree`` names a Django setting ``XAPI_ROUTER_*``: an
    attribute, ``router_settings.<NAME>``, ``getattr``/``hasattr``/``setattr``/``delattr`` with a literal
    name, an ``override_settings`` keyword, a module-level assignment (settings modules). A test that
    sets an unknown name on purpose passes it in a dict (``override_settings(**typo)``).
    """
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("XAPI_ROUTER_"):
                found.append((node.lineno, node.attr, "attribute"))
            elif isinstance(node.value, ast.Name) and node.value.id == "router_settings":
                found.append((node.lineno, f"XAPI_ROUTER_{node.attr}", "router_settings"))
        elif isinstance(node, ast.Call):
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if func in SETTING_CALLS and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                if str(node.args[1].value).startswith("XAPI_ROUTER_"):
                    found.append((node.lineno, node.args[1].value, func))
            for keyword in node.keywords if func == "override_settings" else ():
                if keyword.arg and keyword.arg.startswith("XAPI_ROUTER_"):
                    found.append((node.lineno, keyword.arg, f"{func}(...=)"))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.startswith("XAPI_ROUTER_"):
                    found.append((node.lineno, target.id, "module setting"))
    return found


def python_files():
    for base in (PACKAGE, ROOT / "tests", ROOT / "benchmarks"):
        # This file names settings that do not exist on purpose.
        yield from sorted(path for path in base.rglob("*.py") if path != Path(__file__).resolve())


def test_every_setting_read_is_in_the_table():
    unknown, reads = [], 0
    for path in python_files():
        for line, name, how in setting_reads(ast.parse(path.read_text(), str(path))):
            reads += 1
            if name not in SETTINGS_BY_NAME and name not in ENVIRONMENT_VARIABLES:
                unknown.append(f"{path.relative_to(ROOT)}:{line}: {name} ({how})")
    assert not unknown, "settings read but not in openedx_xapi_router/conf.py:\n" + "\n".join(unknown)
    assert reads > 100  # the scan sees the package's and the tests' reads


def test_the_scan_catches_a_read_missing_from_the_table():
    source = (
        "router_settings.LOG_STATMENTS\n"
        "getattr(settings, 'XAPI_ROUTER_TYPO', None)\n"
        "override_settings(XAPI_ROUTER_OTHER=1)\n"
        "settings.XAPI_ROUTER_THIRD\n"
        "XAPI_ROUTER_FOURTH = 1\n"
    )
    names = [name for _, name, _ in setting_reads(ast.parse(source))]
    assert sorted(names) == sorted(["XAPI_ROUTER_LOG_STATMENTS", "XAPI_ROUTER_TYPO", "XAPI_ROUTER_OTHER",
                                    "XAPI_ROUTER_THIRD", "XAPI_ROUTER_FOURTH"])
    assert not set(names) & set(SETTINGS_BY_NAME)


def test_no_new_getattr_reads_of_router_settings():
    pattern = re.compile(r"getattr\(settings, \"XAPI_ROUTER_")
    files = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py") if pattern.search(path.read_text())
    }
    assert files <= GETATTR_PENDING, f"read them through conf.router_settings: {sorted(files - GETATTR_PENDING)}"


def test_the_tutor_settings_patch_sets_only_table_settings():
    """tutor/tutorxapirouter/patches/openedx-lms-common-settings: every XAPI_ROUTER_* it assigns is a setting."""
    patch = (ROOT / "tutor" / "tutorxapirouter" / "patches" / "openedx-lms-common-settings").read_text()
    assigned = re.findall(r"^(XAPI_ROUTER_[A-Z_]+) =", patch, re.MULTILINE)
    assert sorted(assigned) == sorted([
        "XAPI_ROUTER_ENABLED", "XAPI_ROUTER_ENCRYPTION_KEYS", "XAPI_ROUTER_ALLOWED_EVENT_NAMES",
        "XAPI_ROUTER_CELERY_QUEUE", "XAPI_ROUTER_LOG_STATEMENTS", "XAPI_ROUTER_ALLOW_INSECURE_HTTP",
    ])
    assert set(assigned) <= set(SETTINGS_BY_NAME)


@pytest.mark.parametrize("name, value, problem", [
    ("XAPI_ROUTER_ENABLED", True, None),
    ("XAPI_ROUTER_ENABLED", 1, "XAPI_ROUTER_ENABLED is 1 (an int); it must be bool"),
    ("XAPI_ROUTER_RETRY_BACKOFF_MAX", 30, None),  # an int is a number of seconds too
    ("XAPI_ROUTER_RETRY_BACKOFF_MAX", False,
     "XAPI_ROUTER_RETRY_BACKOFF_MAX is False (a bool); it must be float or int"),
    ("XAPI_ROUTER_ALLOWED_EVENT_NAMES", ("edx.video.played",), None),
    ("XAPI_ROUTER_ALLOWED_EVENT_NAMES", {"a": 1},
     "XAPI_ROUTER_ALLOWED_EVENT_NAMES is {'a': 1} (a dict); it must be list, tuple, frozenset, set, str or None"),
    ("XAPI_ROUTER_ENCRYPTION_KEYS", "key",
     "XAPI_ROUTER_ENCRYPTION_KEYS is a secret value (a str); it must be list or tuple"),
    ("XAPI_ROUTER_CELERY_QUEUE", None, None),
])
def test_type_problem(name, value, problem):
    assert SETTINGS_BY_NAME[name].type_problem(value) == problem


def test_type_problems_lists_the_wrong_ones_in_table_order():
    source = types.SimpleNamespace(XAPI_ROUTER_LOG_STATEMENTS="False", XAPI_ROUTER_ENABLED="yes", XAPI_ROUTER_TYPO=1)
    assert conf.type_problems(source) == [
        "XAPI_ROUTER_ENABLED is 'yes' (a str); it must be bool",
        "XAPI_ROUTER_LOG_STATEMENTS is 'False' (a str); it must be bool",
    ]
    common.plugin_settings(defaults := types.SimpleNamespace())
    assert not conf.type_problems(defaults)
