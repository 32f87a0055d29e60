"""
``docs/tutor.rst``'s "Install, enable, launch", followed literally: its commands run one by one in a shell, from
the repository's root, with ``.venv-tutor`` first on the ``PATH`` (so ``pip`` and ``tutor`` are
that virtualenv's) and a fresh ``TUTOR_ROOT``, up to ``tutor local launch``, the first command
that needs Docker. What they leave is then checked: the plugin enabled, the endpoint in the
configuration, and the rendered environment carrying the plugin's settings, worker and init task.
"""
import re
import shutil
import subprocess

import yaml

from tests.tutor.conftest import REPO, TutorProject

PAGE = REPO / "docs" / "tutor.rst"
SECTION = "Install, enable, launch\n***********************\n"


def readme_commands():
    """
    The commands of the first literal block (``::``) of ``docs/tutor.rst``'s "Install, enable,
    launch", without their trailing comments (``   # ...``; the shell would ignore them too).
    """
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index(SECTION) + len(SECTION):]
    section = section[:re.search(r"^\S.*\n[=*#]{4,}\n", section, re.M).start()]  # up to the next title
    block = re.search(r"::\n\n((?:    .*\n)+)", section).group(1)
    return [re.sub(r"\s+# .*$", "", line[4:]) for line in block.splitlines()]


def test_readme_commands_are_the_ones_tested():
    commands = readme_commands()
    assert commands[:2] == ["pip install ./tutor", "tutor plugins enable xapi-router"]
    assert commands[2].startswith("tutor config save --set 'XAPI_ROUTER_ENDPOINTS=[")
    assert commands[-1] == "tutor local launch"


def test_following_the_readme_up_to_docker(tutor_installed, tmp_path):  # pylint: disable=unused-argument
    project = TutorProject(tmp_path / "tutor-root")
    built = [path for path in (REPO / "tutor" / "build", *(REPO / "tutor").glob("*.egg-info")) if path.exists()]
    ran = []
    try:
        for command in readme_commands():
            if command.startswith(("tutor local launch", "tutor dev launch", "tutor k8s launch")):
                break  # Docker from here on
            result = subprocess.run(command, shell=True, cwd=REPO, env=project.env, capture_output=True, text=True,
                                    timeout=600, check=False)
            assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
            ran.append(command)
    finally:
        # pip's build of ./tutor leaves these in the checkout: remove what this test made.
        for path in (REPO / "tutor" / "build", *(REPO / "tutor").glob("*.egg-info")):
            if path not in built and path.exists():
                shutil.rmtree(path)
    assert len(ran) == len(readme_commands()) - 1  # everything but `tutor local launch` ran

    config = yaml.safe_load((project.root / "config.yml").read_text(encoding="utf-8"))
    assert "xapi-router" in config["PLUGINS"]
    assert config["XAPI_ROUTER_ENDPOINTS"] == [{
        "name": "lrs", "url": "https://lrs.example.org/xAPI/statements", "username": "router", "password": "change-me",
    }]
    assert "XAPI_ROUTER_ENCRYPTION_KEY" in config
    assert "XAPI_ROUTER_ENABLED = True" in project.settings_block()
    compose = yaml.safe_load(project.rendered("local", "docker-compose.prod.yml"))
    assert "xapi-router-worker" in compose["services"]
    script = project.init_script()
    assert "./manage.py lms lrs_endpoints add lrs https://lrs.example.org/xAPI/statements" in script
    assert "--password-env XAPI_ROUTER_SECRET_1 --username router --enable" in script
    assert "export XAPI_ROUTER_SECRET_1=change-me" in script
