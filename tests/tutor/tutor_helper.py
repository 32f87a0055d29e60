"""
Run inside ``.venv-tutor`` (Tutor and the plugin installed), never by pytest: Tutor's real CLI up
to the point where it would call Docker Compose, printing what each job would run.

    python tutor_helper.py OUTPUT.json local do init
    python tutor_helper.py OUTPUT.json local do xapi-router-backfill --since 2026-11-01

``TUTOR_ROOT`` names the project. Tutor runs a job by rendering its script with the configuration
(``tutor/tasks.py``, ``BaseTaskRunner.run_task_from_str``) and handing it to
``ComposeTaskRunner.run_task(service, command)`` (``tutor/commands/compose.py``), which runs
``docker compose run --rm <service>-job sh -e -c <command>``. That last step, and only it, is
replaced: each ``(service, command)`` is recorded, and OUTPUT.json gets the list.
"""
import json
import sys

# Tutor exists only in .venv-tutor, where this script runs; pylint runs in .venv, where `tutor`
# names this repository's tutor/ folder.
from tutor.commands import cli, compose  # pylint: disable=import-error,no-name-in-module

JOBS = []


def record_job(self, service, command):  # pylint: disable=unused-argument
    """Stands in for ``ComposeTaskRunner.run_task``: the job Docker Compose would run."""
    JOBS.append([service, command])
    return 0


def main(output, *args):
    compose.ComposeTaskRunner.run_task = record_job
    sys.argv = ["tutor", *args]
    try:
        cli.main()
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise
    finally:
        with open(output, "w", encoding="utf-8") as handle:
            json.dump(JOBS, handle)


if __name__ == "__main__":
    main(*sys.argv[1:])
