"""
Open edX Aspects' ClickHouse schema, rebuilt in an embedded ClickHouse engine (``chdb``) from the
facts Aspects publishes: the raw table statements are written to, and for every model that reads
statements, the verbs it selects and the fields it parses and casts.

The SQL below is ours, written from those facts (the Aspects sources are cited per model). Each model
is a materialized view fed by inserts into the raw table, as in a live Aspects: a statement a model
cannot parse (a failed ``CAST``) fails the whole insert, exactly as a Ralph or Vector batch fails.

Sources (read with the project's search tool):

* Raw table: openedx/tutor-contrib-aspects
  ``tutoraspects/templates/aspects/apps/aspects/migrations/alembic/versions/0032_partition_tables_by_year_and_month.py``
  at a5906feb41f62e2703b7f9f0cfb0fba66aefc201: ``event_id UUID``, ``emission_time DateTime64(6)``,
  ``event String``, a ReplacingMergeTree ordered by ``(emission_time, event_id)``, partitioned by
  month. Ralph's ClickHouse backend and Vector both write (statement id, statement timestamp,
  statement JSON) there.
* Models: openedx/aspects-dbt ``models/`` at the commits named in :data:`MODELS`.
"""
import atexit
import itertools
import json
import os
import tempfile
from dataclasses import dataclass

ASPECTS_DBT = "openedx/aspects-dbt"

#: The raw table, as tutor-contrib-aspects' migration 0032 creates it.
RAW_TABLE = """
CREATE TABLE {db}.xapi_events_all (
    event_id UUID NOT NULL,
    emission_time DateTime64(6) NOT NULL,
    event String NOT NULL
) ENGINE ReplacingMergeTree
ORDER BY (emission_time, event_id)
PARTITION BY toYYYYMM(emission_time)
"""


@dataclass(frozen=True)
class Model:
    """
    One Aspects model that reads statements, rebuilt as a materialized view.

    Attributes:
        name: the model's name (its table in Aspects).
        source: the aspects-dbt file and commit the facts come from.
        order_by: the sorting key (ReplacingMergeTree: rows equal on it are one row).
        select: our SELECT (``{db}`` is the database), from ``{db}.xapi_events_all`` (the parsed model) or
            ``{db}.xapi_events_all_parsed`` (every other).
    """

    name: str
    source: str
    order_by: str
    select: str


# JSON paths Aspects reads, written once.
_VERB = "JSON_VALUE(event, '$.verb.id')"
_OBJECT = "JSON_VALUE(event, '$.object.id')"
_PARENT_TYPE = "JSON_VALUE(event, '$.context.contextActivities.parent[0].definition.type')"
_PARENT_OBJECT_TYPE = "JSON_VALUE(event, '$.context.contextActivities.parent[0].objectType')"
_COURSE_KEY = "arrayElement(splitByString('/', course_id), -1)"

PARSED = Model(
    "xapi_events_all_parsed",
    "models/base/xapi_events_all_parsed.sql @ 00ff9080fa37b39fe213d1adeabe8dac5cd9ec81",
    "(org, course_id, verb_id, actor_id, emission_time, event_id)",
    f"""
    SELECT
        event_id,
        {_VERB} AS verb_id,
        coalesce(
            nullIf(JSON_VALUE(event, '$.actor.account.name'), ''),
            nullIf(JSON_VALUE(event, '$.actor.mbox'), ''),
            JSON_VALUE(event, '$.actor.mbox_sha1sum')) AS actor_id,
        {_OBJECT} AS object_id,
        -- the course: a course parent; else (a multi-question problem) the first grouping; else the object
        multiIf(
            {_PARENT_TYPE} = 'http://adlnet.gov/expapi/activities/course',
                JSON_VALUE(event, '$.context.contextActivities.parent[0].id'),
            {_PARENT_OBJECT_TYPE} IN ('Activity', 'GroupActivity'),
                JSON_VALUE(event, '$.context.contextActivities.grouping[0].id'),
            {_OBJECT}) AS course_id,
        -- tutor-contrib-aspects' get_org_from_course_url: the org of a course-v1 key, else ''
        coalesce(nullIf(extract(course_id, 'course-v1:([a-zA-Z0-9]*)'), ''), '') AS org,
        emission_time,
        event
    FROM {{db}}.xapi_events_all
    """,
)

MODELS = (
    PARSED,
    Model(
        "problem_events",
        "models/problems/problem_events.sql @ 00ff9080fa37b39fe213d1adeabe8dac5cd9ec81",
        "(org, course_key, verb_id, emission_time, actor_id, object_id, responses, success, event_id)",
        f"""
        SELECT
            event_id, CAST(emission_time, 'DateTime') AS emission_time, actor_id, object_id,
            {_COURSE_KEY} AS course_key, org, verb_id,
            JSON_VALUE(event, '$.result.response') AS responses,
            JSON_VALUE(event, '$.result.score.scaled') AS scaled_score,
            -- an "evaluated" statement must carry result.success (Bool) and the attempt id (Int16)
            if(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated',
               CAST(JSON_VALUE(event, '$.result.success'), 'Bool'), false) AS success,
            JSON_VALUE(event, '$.object.definition.interactionType') AS interaction_type,
            if(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated',
               CAST(JSON_VALUE(event, '$.object.definition.extensions."http://id.tincanapi.com/extension/attempt-id"'),
                    'Int16'),
               0) AS attempts,
            -- the problem's usage key after "xblock/", without a "/answer" or "/hint" suffix or a
            -- "_<n>_<n>" response suffix (macros/get_problem_id.sql @ 0ef62023a5a0b2913d4e62f52cd3ee52f3f55a14)
            regexpExtract(object_id, 'xblock/([^/]*@problem\\+block@[0-9A-Za-z][^_/]*)', 1) AS problem_id
        FROM {{db}}.xapi_events_all_parsed
        WHERE verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated',
                          'http://adlnet.gov/expapi/verbs/passed', 'http://adlnet.gov/expapi/verbs/asked')
        """,
    ),
    Model(
        "grading_events",
        "models/grading/grading_events.sql @ 00ff9080fa37b39fe213d1adeabe8dac5cd9ec81",
        "(org, course_key, verb_id, emission_time, actor_id, object_id, scaled_score, event_id)",
        f"""
        SELECT
            event_id, CAST(emission_time, 'DateTime') AS emission_time, actor_id, object_id,
            {_COURSE_KEY} AS course_key, org, verb_id,
            JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score
        FROM {{db}}.xapi_events_all_parsed
        WHERE verb_id IN ('http://id.tincanapi.com/verb/earned', 'https://w3id.org/xapi/acrossx/verbs/evaluated')
        """,
    ),
    Model(
        "navigation_events",
        "models/navigation/navigation_events.sql @ 00ff9080fa37b39fe213d1adeabe8dac5cd9ec81",
        "(org, course_key, object_type, emission_time, actor_id, starting_position, event_id)",
        f"""
        SELECT
            event_id, CAST(emission_time, 'DateTime') AS emission_time, actor_id,
            arrayElement(splitByString('/xblock/', object_id), -1) AS block_id,
            {_COURSE_KEY} AS course_key, org, verb_id,
            JSONExtractString(event, 'object', 'definition', 'type') AS object_type,
            -- links and outline entries have no starting position
            if(object_type IN ('http://adlnet.gov/expapi/activities/link', 'http://adlnet.gov/expapi/activities/module'),
               0,
               JSONExtractInt(event, 'context', 'extensions', 'http://id.tincanapi.com/extension/starting-position'))
               AS starting_position,
            JSONExtractString(event, 'context', 'extensions', 'http://id.tincanapi.com/extension/ending-point')
               AS ending_point
        FROM {{db}}.xapi_events_all_parsed
        WHERE verb_id = 'https://w3id.org/xapi/dod-isd/verbs/navigated'
        """,
    ),
    Model(
        "video_playback_events",
        "models/video/video_playback_events.sql @ 04939b536dcead002762a8255d621482df30aaa8",
        "(org, course_key, verb_id, emission_time, actor_id, video_position, event_id)",
        f"""
        SELECT
            event_id, CAST(emission_time, 'DateTime') AS emission_time, actor_id, object_id,
            {_COURSE_KEY} AS course_key, org, verb_id,
            ceil(CAST(coalesce(
                nullIf(JSON_VALUE(event, '$.result.extensions."https://w3id.org/xapi/video/extensions/time"'), ''),
                nullIf(JSON_VALUE(event, '$.result.extensions."https://w3id.org/xapi/video/extensions/time-from"'), ''),
                '0.0'), 'Decimal32(2)')) AS video_position
        FROM {{db}}.xapi_events_all_parsed
        WHERE verb_id IN ('http://adlnet.gov/expapi/verbs/completed', 'http://adlnet.gov/expapi/verbs/initialized',
                          'http://adlnet.gov/expapi/verbs/terminated', 'https://w3id.org/xapi/video/verbs/paused',
                          'https://w3id.org/xapi/video/verbs/played', 'https://w3id.org/xapi/video/verbs/seeked')
          AND object_id LIKE '%video+block%'
        """,
    ),
    Model(
        "video_transcript_events",
        "models/video/video_transcript_events.sql @ 00ff9080fa37b39fe213d1adeabe8dac5cd9ec81",
        "(org, course_key, video_id, emission_time, actor_id, cc_enabled, event_id)",
        f"""
        SELECT
            event_id, CAST(emission_time, 'DateTime') AS emission_time, org, {_COURSE_KEY} AS course_key,
            arrayElement(splitByString('/xblock/', object_id), 2) AS video_id, actor_id,
            JSONExtractBool(event, 'result', 'extensions', 'https://w3id.org/xapi/video/extensions/cc-enabled')
                AS cc_enabled
        FROM {{db}}.xapi_events_all_parsed
        WHERE verb_id = 'http://adlnet.gov/expapi/verbs/interacted'
          AND JSONHas(event, 'result', 'extensions', 'https://w3id.org/xapi/video/extensions/cc-enabled')
        """,
    ),
    Model(
        "enrollment_events",
        "models/enrollment/enrollment_events.sql @ 10b4a0aa9c8ff3f65cd006c469a1667fa954f96d",
        "(org, course_key, emission_time, actor_id, enrollment_mode, enrollment_status, event_id)",
        f"""
        SELECT
            event_id, CAST(emission_time, 'DateTime') AS emission_time, actor_id, object_id,
            {_COURSE_KEY} AS course_key, org, verb_id,
            JSON_VALUE(event, '$.object.definition.extensions."https://w3id.org/xapi/acrossx/extensions/type"')
                AS enrollment_mode,
            arrayElement(splitByString('/', verb_id), -1) AS enrollment_status
        FROM {{db}}.xapi_events_all_parsed
        WHERE verb_id IN ('http://adlnet.gov/expapi/verbs/registered', 'http://id.tincanapi.com/verb/unregistered')
        """,
    ),
    Model(
        "completion_events",
        "models/completion/completion_events.sql @ 00ff9080fa37b39fe213d1adeabe8dac5cd9ec81",
        "(org, course_key, verb_id, emission_time, actor_id, object_id, event_id)",
        f"""
        SELECT
            event_id, CAST(emission_time, 'DateTime') AS emission_time, actor_id, object_id,
            {_COURSE_KEY} AS course_key, org, verb_id,
            JSON_VALUE(event, '$.result.extensions."https://w3id.org/xapi/cmi5/result/extensions/progress"')
                AS progress_percent
        FROM {{db}}.xapi_events_all_parsed
        WHERE verb_id = 'http://adlnet.gov/expapi/verbs/progressed'
        """,
    ),
    Model(
        "forum_events",
        "models/forum/forum_events.sql @ 04939b536dcead002762a8255d621482df30aaa8",
        "(org, course_key, verb_id, emission_time, actor_id, object_id, event_id)",
        f"""
        SELECT
            event_id, CAST(emission_time, 'DateTime') AS emission_time, org, {_COURSE_KEY} AS course_key,
            object_id, actor_id, verb_id
        FROM {{db}}.xapi_events_all_parsed
        WHERE JSON_VALUE(event, '$.object.definition.type') = 'http://id.tincanapi.com/activitytype/discussion'
        """,
    ),
)

#: Models that aggregate other models (queried, not materialized here), with their source.
DERIVED = {
    # A learner's last visit of a course: the latest navigation statement.
    "dim_learner_last_course_visit": (
        "models/navigation/dim_learner_last_course_visit.sql @ 3487b72c86162105c224f471867a9d30bc42175e",
        """
        SELECT org, course_key, actor_id, max(emission_time) AS emission_time
        FROM {db}.navigation_events FINAL
        GROUP BY org, course_key, actor_id
        """,
    ),
    # Grades by kind: the object id tells a course, subsection or problem grade.
    "fact_grades": (
        "models/grading/fact_grades.sql @ 1c33a66b6a76fb61d47bcb04f2883de46a9e443d",
        """
        SELECT emission_time, org, course_key, actor_id, scaled_score,
            multiIf(object_id LIKE '%/course/%', 'course',
                    object_id LIKE '%@sequential+block@%', 'subsection',
                    object_id LIKE '%@problem+block@%', 'problem', '') AS grade_type,
            if(grade_type = 'course', arrayElement(splitByString('/course/', object_id), -1),
               arrayElement(splitByString('/xblock/', object_id), -1)) AS entity_id
        FROM {db}.grading_events FINAL
        """,
    ),
}

#: Every model's name: the materialized ones, then the derived ones.
MODEL_NAMES = tuple(model.name for model in MODELS) + tuple(DERIVED)


_state = {}


def _session():
    """The process's one chdb session (chdb allows one at a time), in a directory removed at exit."""
    if "session" not in _state:
        from chdb import session  # pylint: disable=import-outside-toplevel

        directory = tempfile.TemporaryDirectory(prefix="aspects-clickhouse-")  # pylint: disable=consider-using-with
        _state["directory"] = directory
        _state["session"] = session.Session(directory.name)
        atexit.register(_close_session)
    return _state["session"]


def _close_session():
    _state.pop("session").close()
    _state.pop("directory").cleanup()


class AspectsDatabase:
    """
    Aspects' raw table and models as one ClickHouse database of the embedded engine. ``insert``
    writes statements as Ralph's ClickHouse backend (and Vector) do; ``rows`` reads a model as
    Superset would (``FINAL``: the rows the ReplacingMergeTree keeps).
    """

    _count = itertools.count()

    def __init__(self, label="xapi"):
        self.session = _session()
        self.db = f"{label}_{os.getpid()}_{next(self._count)}"
        self.failures = []
        self.session.query(f"CREATE DATABASE {self.db}")
        self.session.query(self._sql(RAW_TABLE))
        for model in MODELS:
            select = self._sql(model.select)
            self.session.query(f"CREATE TABLE {self.db}.{model.name} ENGINE ReplacingMergeTree "
                               f"ORDER BY {model.order_by} EMPTY AS {select}")
            self.session.query(f"CREATE MATERIALIZED VIEW {self.db}.{model.name}_mv TO {self.db}.{model.name} "
                               f"AS {select}")

    def _sql(self, sql):
        return sql.replace("{db}", self.db)

    def close(self):
        """Drop the database."""
        self.session.query(f"DROP DATABASE IF EXISTS {self.db} SYNC")

    def insert(self, statements, batch_size=100):
        """
        Write ``statements`` to the raw table in batches of ``batch_size`` (Ralph's default batch),
        each batch one INSERT, as ``(id, timestamp, JSON)``. A failed batch is recorded in
        :attr:`failures` as ``(first index, size, ClickHouse's message)`` and the next batch is
        written. Returns the number of failed batches.
        """
        return self.insert_rows([(s["id"], s["timestamp"], json.dumps(s)) for s in statements], batch_size)

    def insert_rows(self, rows, batch_size=100):
        """Write ``(event_id, emission_time, event JSON)`` rows, as :meth:`insert` does."""
        failed = 0
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            body = "\n".join(json.dumps({"event_id": event_id, "emission_time": emission_time, "event": event})
                             for event_id, emission_time, event in batch)
            try:
                self.session.query(f"INSERT INTO {self.db}.xapi_events_all "
                                   "SETTINGS date_time_input_format = 'best_effort' "
                                   f"FORMAT JSONEachRow\n{body}")
            except Exception as error:  # pylint: disable=broad-except  # chdb raises its own error class
                self.failures.append((start, len(batch), str(error).split("\n", 1)[0][:500]))
                failed += 1
        return failed

    def query(self, sql):
        """The rows of ``sql`` (``{db}`` stands for this database) as dicts."""
        result = self.session.query(self._sql(sql), "JSONEachRow")
        text = result.bytes().decode("utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def count(self, name):
        """The number of rows a materialized model (or the raw table) keeps (``FINAL``: duplicates replaced)."""
        return int(self.query(f"SELECT count() AS n FROM {{db}}.{name} FINAL")[0]["n"])

    def rows(self, name, exclude_ids=frozenset()):
        """
        A model's rows, sorted, each a tuple of ``(column, JSON value)`` (``event`` left out: the
        whole JSON is no column a dashboard reads, and the transformer-version value differs by
        design). ``exclude_ids``: statement ids whose rows are left out (materialized models only).
        """
        if name in DERIVED:
            rows = self.query(DERIVED[name][1])
        else:
            columns = "* EXCEPT (event)" if name == PARSED.name else "*"
            rows = [row for row in self.query(f"SELECT {columns} FROM {{db}}.{name} FINAL")
                    if row["event_id"] not in exclude_ids]
        return sorted(tuple((key, json.dumps(value, sort_keys=True)) for key, value in row.items()) for row in rows)

    def event_ids(self, name):
        """The statement ids a materialized model holds."""
        return {row["event_id"] for row in self.query(f"SELECT DISTINCT event_id FROM {{db}}.{name}")}
