"""
Where tracking logs come from, in which order, and how they are opened.

An input argument is a file, a directory (every regular, non-hidden file under it), a glob
(``/var/log/tracking/tracking.log*``), ``-`` (standard input) or ``s3://bucket/prefix`` (every
object under the prefix, through apache-libcloud). Files are taken in natural name order
(``tracking.log.9`` before ``tracking.log.10``), and a live file (``tracking.log``) after its rotated
siblings (``tracking.log.1``, ``tracking.log-20260301.gz``), so events come roughly oldest first.

Compression is told by the first bytes (gzip ``1f 8b``, bzip2 ``BZh``), never by the name. Only a
plain local file or a plain S3 object can be opened at a byte offset (a split for ``--jobs`` or a
resume); a compressed or streamed input is read from its start and the lines before the offset
skipped.

S3 credentials and the endpoint come from :class:`S3Settings` (options, else the usual ``AWS_*``
environment variables); they are never printed or logged.

Why one module of this size: the input kinds (files, directories, globs, stdin, S3) share one
ordering and opening rule and one line-boundary reader; each kind alone is a few dozen lines.
"""
import bz2
import glob
import gzip
import io
import os
import re
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
READ_BUFFER = 1 << 20


class SourceError(Exception):
    """An input that cannot be found, listed or opened; the message names it (never a credential)."""


@dataclass(frozen=True)
class Source:
    """
    One input to read.

    Attributes:
        kind: ``file``, ``stdin`` or ``s3``.
        name: the path, ``-``, or ``s3://bucket/key``; what reports and the reject file show.
        size: bytes (compressed size for a compressed input), None for stdin.
        compression: ``gzip``, ``bz2`` or None (plain); None for stdin until it is read.
    """

    kind: str
    name: str
    size: int | None = None
    compression: str | None = None

    @property
    def seekable(self):
        """True when the source can be opened at a byte offset (a plain file or a plain S3 object)."""
        return self.kind in ("file", "s3") and self.compression is None


@dataclass(frozen=True)
class S3Settings:
    """
    How to reach S3-compatible storage.

    Attributes:
        endpoint_url: e.g. ``http://127.0.0.1:9000`` for MinIO or another S3-compatible server;
            None for AWS S3 itself.
        access_key, secret_key: the credentials (never shown: see ``__repr__``).
        region: the AWS region (AWS S3 only).
    """

    endpoint_url: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    region: str | None = None

    def __repr__(self):
        return f"S3Settings(endpoint_url={self.endpoint_url!r}, region={self.region!r}, credentials=***)"

    @classmethod
    def from_options(cls, endpoint_url=None, access_key=None, secret_key=None, region=None, environ=None):
        """Options first, then ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ..."""
        env = os.environ if environ is None else environ
        return cls(
            endpoint_url=endpoint_url or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None,
            access_key=access_key or env.get("AWS_ACCESS_KEY_ID") or None,
            secret_key=secret_key or env.get("AWS_SECRET_ACCESS_KEY") or None,
            region=region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        )

    def driver(self):
        """A libcloud storage driver for these settings."""
        # pylint: disable=import-outside-toplevel
        from libcloud.storage.providers import get_driver
        from libcloud.storage.types import Provider

        if not self.access_key or not self.secret_key:
            raise SourceError("s3:// inputs need credentials: --s3-access-key/--s3-secret-key or "
                              "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
        if self.endpoint_url:
            parts = urlsplit(self.endpoint_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SourceError(f"the S3 endpoint URL must be http(s)://host[:port], got {self.endpoint_url!r}")
            secure = parts.scheme == "https"
            return get_driver(Provider.MINIO)(
                self.access_key, self.secret_key, secure=secure, host=parts.hostname,
                port=parts.port or (443 if secure else 80),
            )
        return get_driver(Provider.S3)(self.access_key, self.secret_key, region=self.region or "us-east-1")


_DIGITS = re.compile(r"(\d+)")
_LIVE_STEM = re.compile(r"^(.*?\.log)(?=$|[.\-_])")


def natural_key(text):
    """``text`` split into text and integer parts, so ``log.9`` sorts before ``log.10``."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(text) if part)


def log_order_key(path):
    """
    The sort key of a log file's path: by directory, then by log family (``tracking.log`` and its
    rotations), the rotated files in natural order, the live file (nothing after ``.log``) last.
    """
    directory, _, name = path.rpartition("/")
    match = _LIVE_STEM.match(name)
    stem = match.group(1) if match else name
    return (natural_key(directory), natural_key(stem), 1 if name == stem else 0, natural_key(name))


def _sniff(head):
    if head[:2] == GZIP_MAGIC:
        return "gzip"
    if head[:3] == BZIP2_MAGIC:
        return "bz2"
    return None


def _local_source(path):
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as file:
            head = file.read(3)
    except OSError as error:
        raise SourceError(f"cannot open input {path}: {error.strerror or error}") from None
    return Source("file", path, size, _sniff(head))


def _expand_local(argument):
    if os.path.isdir(argument):
        found = []
        for root, dirs, files in os.walk(argument):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            found += [os.path.join(root, name) for name in files if not name.startswith(".")]
        return sorted(found, key=log_order_key)
    if glob.has_magic(argument):
        matches = [path for path in glob.glob(argument, recursive=True) if os.path.isfile(path)]
        if not matches:
            raise SourceError(f"no file matches {argument}")
        return sorted(matches, key=log_order_key)
    if not os.path.exists(argument):
        raise SourceError(f"cannot open input {argument}: No such file or directory")
    return [argument]


def split_s3_url(url):
    """``s3://bucket/prefix`` -> ``(bucket, prefix)``."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise SourceError(f"an S3 input is s3://bucket[/prefix], got {url!r}")
    return parts.netloc, parts.path.lstrip("/")


def _expand_s3(url, s3_settings):
    from libcloud.common.types import LibcloudError  # pylint: disable=import-outside-toplevel

    bucket, prefix = split_s3_url(url)
    driver = s3_settings.driver()
    try:
        container = driver.get_container(bucket)
        objects = [obj for obj in driver.iterate_container_objects(container, prefix=prefix or None)
                   if not obj.name.endswith("/")]
    except (LibcloudError, OSError) as error:
        raise SourceError(f"cannot list {url}: {type(error).__name__}: {_scrub(error)}") from None
    if not objects:
        raise SourceError(f"no object under {url}")
    sources = []
    for obj in sorted(objects, key=lambda item: log_order_key(item.name)):
        head = b"".join(driver.download_object_range_as_stream(obj, 0, min(3, obj.size) or None)) if obj.size else b""
        sources.append(Source("s3", f"s3://{bucket}/{obj.name}", obj.size, _sniff(head)))
    return sources


def _scrub(error):
    """An error's text, without anything that looks like a credential."""
    return re.sub(r"(?i)(signature|credential|access_?key|secret)\S*", r"\1=***", str(error))[:300]


def discover(arguments, s3_settings=None):
    """
    The :class:`Source` list for the command's input arguments, each argument expanded and ordered
    (see the module docstring), the arguments kept in the order given. A file named twice is read once.
    """
    sources = []
    seen = set()
    for argument in arguments:
        if argument == "-":
            found = [Source("stdin", "-")]
        elif argument.startswith("s3://"):
            found = _expand_s3(argument, s3_settings or S3Settings.from_options())
        else:
            found = [_local_source(path) for path in _expand_local(argument)]
        for source in found:
            if source.name not in seen:
                seen.add(source.name)
                sources.append(source)
    return sources


class IteratorReader(io.RawIOBase):
    """A readable raw stream over an iterator of byte chunks (a libcloud download)."""

    def __init__(self, chunks):
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _decompressed(raw):
    """
    ``raw`` (a buffered binary stream) decompressed by its magic bytes. The decompressors' own small
    buffers are kept (no bigger one on top), so a truncated file still gives every line before the cut
    but the last few kilobytes.
    """
    kind = _sniff(raw.peek(3)[:3])
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "bz2":
        return bz2.BZ2File(raw, mode="rb")
    return raw


def open_source(source, offset=0, s3_settings=None, stdin=None):
    """
    A binary stream of ``source``'s (decompressed) bytes. For a seekable source it starts at byte
    ``offset``; otherwise at byte 0 (the caller skips to ``offset``). The caller closes it.
    """
    if source.kind == "stdin":
        raw = stdin if stdin is not None else sys.stdin.buffer
        if not hasattr(raw, "peek"):
            raw = io.BufferedReader(raw, READ_BUFFER)
        return _decompressed(raw)
    if source.kind == "file":
        try:
            raw = open(source.name, "rb", buffering=READ_BUFFER)  # pylint: disable=consider-using-with
        except OSError as error:
            raise SourceError(f"cannot open input {source.name}: {error.strerror or error}") from None
        if source.compression is None:
            raw.seek(offset)
            return raw
        return _decompressed(raw)
    if source.kind == "s3":
        from libcloud.common.types import LibcloudError  # pylint: disable=import-outside-toplevel

        bucket, key = split_s3_url(source.name)
        driver = (s3_settings or S3Settings.from_options()).driver()
        try:
            obj = driver.get_object(bucket, key)
            start = offset if source.compression is None else 0
            if start >= (obj.size or 0):
                return io.BytesIO(b"")
            chunks = driver.download_object_range_as_stream(obj, start, None, chunk_size=READ_BUFFER)
        except (LibcloudError, OSError) as error:
            raise SourceError(f"cannot read {source.name}: {type(error).__name__}: {_scrub(error)}") from None
        raw = io.BufferedReader(IteratorReader(chunks), READ_BUFFER)
        return raw if source.compression is None else _decompressed(raw)
    raise SourceError(f"unknown source kind {source.kind!r}")


def line_boundaries(source, parts):
    """
    Byte offsets splitting a plain local file into about ``parts`` ranges that start at line
    starts: ``[0, b1, ..., size]``. A smaller file (or one part) gives ``[0, size]``.
    """
    size = source.size or 0
    if parts <= 1 or size < parts * 65536:
        return [0, size]
    bounds = [0]
    with open(source.name, "rb") as file:
        for index in range(1, parts):
            target = size * index // parts
            if target <= bounds[-1]:
                continue
            file.seek(target - 1)
            file.readline()  # the rest of the line around the target; the next line starts a range
            position = file.tell()
            if bounds[-1] < position < size:
                bounds.append(position)
    bounds.append(size)
    return bounds


def count_lines_before(path, offset, block=1 << 23):
    """The number of newlines in the first ``offset`` bytes of ``path`` (line numbers of a split)."""
    count = 0
    remaining = offset
    with open(path, "rb", buffering=0) as file:
        while remaining > 0:
            data = file.read(min(block, remaining))
            if not data:
                break
            count += data.count(b"\n")
            remaining -= len(data)
    return count
