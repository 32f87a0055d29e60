"""
``s3://bucket/prefix`` inputs through apache-libcloud, against a real S3-compatible HTTP server
(moto's, on 127.0.0.1): objects listed under the prefix in natural order, gzip and plain objects,
credentials from options or the environment and never printed, and a resume that reads a plain
object from its saved byte offset (an HTTP range request).
"""
import gzip
import io
import json

import pytest
from libcloud.storage.providers import get_driver
from libcloud.storage.types import Provider

from openedx_xapi_router.backfill.sources import S3Settings, discover
from tests.backfill.helpers import core_statements, jsonl, read_report, run_command

ACCESS_KEY = "backfill-test-access-key"
SECRET_KEY = "backfill-test-secret-key-never-printed"


def upload(endpoint_url, bucket, objects):
    """Create ``bucket`` on the server and put ``objects`` (key -> bytes) in it."""
    host, port = endpoint_url.split("//", 1)[1].split(":")
    driver = get_driver(Provider.MINIO)(ACCESS_KEY, SECRET_KEY, secure=False, host=host, port=int(port))
    container = driver.create_container(bucket)
    for key, data in objects.items():
        driver.upload_object_via_stream(io.BytesIO(data), container, key)


@pytest.fixture
def bucket_of_logs(s3_server, clean_log):
    """A bucket holding the clean log in three rotated objects under ``logs/`` (one gzipped) and a stray one."""
    path, _ = clean_log
    lines = path.read_bytes().splitlines(keepends=True)
    upload(s3_server, "tracking", {
        "logs/tracking.log.10.gz": gzip.compress(b"".join(lines[1000:2000])),
        "logs/tracking.log.9": b"".join(lines[:1000]),
        "logs/tracking.log": b"".join(lines[2000:]),
        "elsewhere/tracking.log": b"not a tracking log\n",
    })
    return path


def test_an_s3_prefix_is_read_in_natural_order_with_credentials_from_the_environment(
        s3_server, bucket_of_logs, tmp_path, monkeypatch):  # pylint: disable=redefined-outer-name
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server)
    found = discover(["s3://tracking/logs/"])
    assert [source.name for source in found] == [
        "s3://tracking/logs/tracking.log.9", "s3://tracking/logs/tracking.log.10.gz", "s3://tracking/logs/tracking.log",
    ]
    assert [source.compression for source in found] == [None, "gzip", None]
    out, report_path = tmp_path / "out.jsonl", tmp_path / "report.json"
    stdout, stderr = run_command("s3://tracking/logs/", "--output", out, "--report", report_path)
    assert jsonl(out) == core_statements(bucket_of_logs)
    assert read_report(report_path)["lines"] == len(bucket_of_logs.read_bytes().splitlines())
    assert SECRET_KEY not in stdout + stderr and ACCESS_KEY not in stdout + stderr
    assert SECRET_KEY not in repr(S3Settings.from_options())


def test_s3_credentials_from_options_and_resume_at_a_byte_offset(  # pylint: disable=redefined-outer-name
        s3_server, bucket_of_logs, tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    options = ["--s3-endpoint-url", s3_server, "--s3-access-key", ACCESS_KEY, "--s3-secret-key", SECRET_KEY]
    checkpoint, out = tmp_path / "checkpoint.json", tmp_path / "out.jsonl"
    run_command("s3://tracking/logs/tracking.log.9", "--output", out, "--checkpoint", checkpoint, *options)
    saved = json.loads(checkpoint.read_text())
    assert saved["units"][0]["done"] and saved["units"][0]["line"] == 1000
    assert SECRET_KEY not in checkpoint.read_text()
    # Rewind the saved position to line 600 (a line start), as if the run had stopped there, and resume.
    data = bucket_of_logs.read_bytes()
    lines = data.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[:600])
    unit = saved["units"][0]
    unit.update(done=False, offset=offset, line=600, report={})
    checkpoint.write_text(json.dumps(saved))
    resumed = tmp_path / "resumed.jsonl"
    report_path = tmp_path / "report.json"
    run_command("s3://tracking/logs/tracking.log.9", "--output", resumed, "--checkpoint", checkpoint, "--resume",
                "--report", report_path, *options)
    rest = tmp_path / "rest.log"
    rest.write_bytes(b"".join(lines[600:1000]))
    assert jsonl(resumed) == core_statements(rest)
    assert read_report(report_path)["lines"] == 400
