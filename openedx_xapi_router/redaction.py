"""
Redaction of LRS credentials from text that came from (or went to) an LRS.

An LRS, or a proxy in front of it, may echo the request back in an error answer: the
``Authorization`` header (``Basic base64(user:password)`` or ``Bearer <token>``), cookies, or the
password itself in a message. Such an answer becomes a dead letter's ``detail``, an endpoint's
``last_error``, a log line and a line of the status page, all of which users who may not see
credentials read. :func:`redact` is the one function that scrubs such text; it is called where an
LRS answer enters our code (the clients' error excerpts, before they are truncated) and where text
is written (``delivery/store.py``, the connection test's message).

:func:`redact` removes:

* the endpoint's own credentials (:class:`Credentials`) in every encoding we send them in or an
  echo is likely to use: raw, the base64 ``user:password`` of HTTP Basic (standard, URL-safe,
  unpadded), percent-encoded, JSON-escaped and HTML-escaped;
* the value of every ``Authorization``-like header, in a header line (``Name: value``), a JSON or
  Python mapping (``"Name": "value"``) or a query string (``name=value``): ``Authorization``,
  ``Proxy-Authorization``, ``Cookie``, ``Set-Cookie``, ``password``, ``token``, ``api_key``... and
  any ``X-`` header whose name says auth, token, secret, password, credential, session or api key
  (``X-Experience-API-Credentials``, ``X-Auth-Token``, ``X-Api-Key`` ...);
* an ``Authorization`` scheme followed by a token (``Basic dXNl...``, ``Bearer eyJ...``), even cut;
* the user-info of a URL (``https://user:password@host``).

It never raises: redaction must not turn an LRS error into a crash of delivery.
"""
import base64
import html
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

MASK = "[redacted]"

#: A raw credential shorter than this is not searched for (it would mask ordinary words); its
#: encoded forms (base64 ``user:password``) still are.
MIN_RAW_LENGTH = 4

# A header (or field) name that carries credentials: the standard ones, a bare secret's name, and any
# ``X-`` header naming auth, a token, a secret, a password, a credential, a session or an api key.
_HEADER_NAME = (
    r"(?:proxy-)?authorization|(?:set-)?cookie|password|passwd|token|secret|api[-_]?key"
    r"|(?:access|refresh|auth)[-_]token|client[-_]secret"
    r"|x-[a-z0-9-]*(?:auth(?!or(?!iz))|token|secret|passw|credential|session|api-?key)[a-z0-9-]*"
)
# A header name above holds one of these (lower case): the patterns run only on a text that does.
_HEADER_WORDS = ("auth", "cookie", "passw", "token", "secret", "api", "credential", "session")
_SCHEME_WORDS = ("basic", "bearer", "digest", "token")
# ``Name: value`` up to the end of the line.
_HEADER_LINE = re.compile(rf"(?im)^([ \t]*(?:{_HEADER_NAME})[ \t]*:[ \t]*)\S[^\r\n]*")
# ``"Name": "value"`` or ``'Name': 'value'`` (JSON, a Python repr), the closing quote optional (a cut excerpt).
_HEADER_ITEM = re.compile(
    rf"""(?i)(["'])((?:{_HEADER_NAME}))\1(\s*[:=]\s*)(["'])(?:\\.|(?!\4).)*(?:\4|$)"""
)
# ``Name=value`` inside a query string or a form body.
_HEADER_PARAM = re.compile(rf"(?i)([?&;\s](?:{_HEADER_NAME})=)[^&\s\"']+")
# An authorization scheme and its token anywhere in the text (``Basic dXNlcjpwYXNz``); a token has an
# upper-case letter, a digit or one of ``+/=``, so that "Basic authentication failed" stays readable.
_SCHEME_TOKEN = re.compile(
    r"\b((?i:Basic|Bearer|Digest|Token))(\s+)(?=[A-Za-z0-9+/=._~-]*[A-Z0-9+/=])[A-Za-z0-9+/=._~-]{8,}"
)
# The user-info of a URL.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)(?!\*\*\*@)[^/@\s\"']+@")  # ``***@``: masked already


@dataclass(frozen=True)
class Credentials:
    """
    The credentials one endpoint sends.

    Attributes:
        username: the HTTP Basic user name, or "".
        password: the HTTP Basic password, or "".
        token: the bearer token, or "".
    """

    username: str = ""
    password: str = ""
    token: str = ""

    @classmethod
    def of_endpoint(cls, endpoint):
        """The credentials stored for an ``LrsEndpoint`` (all of them, whatever its auth type)."""
        if endpoint is None:
            return cls()
        return cls(endpoint.username or "", endpoint.password or "", endpoint.token or "")

    @classmethod
    def of_auth(cls, auth):
        """The credentials inside a ``requests`` auth: a ``(user, password)`` pair or an object with ``credentials``."""
        if isinstance(auth, (tuple, list)) and len(auth) == 2:
            return cls(str(auth[0] or ""), str(auth[1] or ""))
        found = getattr(auth, "credentials", None)
        return found if isinstance(found, cls) else cls()

    def __bool__(self):
        return bool(self.username or self.password or self.token)

    def __repr__(self):
        return "<Credentials ***>"

    def encodings(self):
        """Every form of these credentials to remove, longest first."""
        forms = set()
        if self.username or self.password:
            pair = f"{self.username}:{self.password}"
            for raw in _bytes_of(pair):
                for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
                    text = encoded.decode("ascii")
                    forms.update((text, text.rstrip("=")))
        for secret in (self.username, self.password, self.token):
            if len(secret) < MIN_RAW_LENGTH:
                continue
            escaped_json = json.dumps(secret)[1:-1]
            for form in (secret, quote(secret, safe=""), quote_plus(secret), escaped_json,
                         json.dumps(secret, ensure_ascii=False)[1:-1], html.escape(secret)):
                forms.add(form)
                forms.add(re.sub(r"%[0-9A-F]{2}", lambda match: match.group(0).lower(), form))
        return sorted((form for form in forms if form), key=len, reverse=True)


def _bytes_of(text):
    """``text`` as the bytes requests sends (latin-1) and as UTF-8, when they differ."""
    found = [text.encode("utf-8")]
    try:
        latin = text.encode("latin-1")
    except UnicodeEncodeError:
        return found
    return found if latin == found[0] else [latin, *found]


def redact(text, credentials=None):
    """
    ``text`` (str or bytes) as a str without ``credentials`` (a :class:`Credentials`, or None) in any
    of their encodings, without the values of ``Authorization``-like headers and URL user-info.
    """
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    text = str(text)
    try:
        if credentials:
            forms = credentials.encodings()
            if forms:
                text = re.sub("|".join(re.escape(form) for form in forms), MASK, text)
        lower = text.lower()  # cheap substring tests first: most LRS answers hold none of these
        if any(word in lower for word in _HEADER_WORDS):
            text = _HEADER_LINE.sub(lambda match: match.group(1) + MASK, text)
            text = _HEADER_ITEM.sub(lambda match: f"{match.group(1)}{match.group(2)}{match.group(1)}"
                                                  f"{match.group(3)}{match.group(4)}{MASK}{match.group(4)}", text)
            text = _HEADER_PARAM.sub(lambda match: match.group(1) + MASK, text)
        if any(word in lower for word in _SCHEME_WORDS):
            text = _SCHEME_TOKEN.sub(lambda match: f"{match.group(1)}{match.group(2)}{MASK}", text)
        if "://" in text and "@" in text:
            text = _URL_USERINFO.sub(lambda match: f"{match.group(1)}{MASK}@", text)
        return text
    except Exception:  # pylint: disable=broad-except
        # A bug here must not break delivery, and must not let the text through either.
        return MASK
