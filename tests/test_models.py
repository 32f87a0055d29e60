"""
The models: credentials encrypted at rest (the raw column is not the plaintext and decrypts with
the configured key), key rotation (``lrs_endpoints rotate-keys``), ``matches()`` and ``clean()``.
"""
from contextlib import contextmanager
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from fernet_fields import hkdf

from openedx_xapi_router.models import BearerAuth, LrsEndpoint

URL = "https://lrs.example.org/xAPI/statements"
OLD_KEY = "the-old-key-passphrase"
NEW_KEY = "Wb7uAe0a6C9m1y2pQ3sT4vX5zB8dF0gH1jK2lM3nP4Q="
SECRET_FIELDS = ("username", "password", "token")


@contextmanager
def encryption_keys(keys):
    """
    Run with ``XAPI_ROUTER_ENCRYPTION_KEYS = keys``. The fields cache their Fernet objects (as in a
    running LMS, where settings never change), so the caches are dropped on the way in and out.
    """
    def drop_caches():
        for name in SECRET_FIELDS:
            field = LrsEndpoint._meta.get_field(name)
            for cached in ("keys", "fernet_keys", "fernet"):
                field.__dict__.pop(cached, None)

    drop_caches()
    try:
        with override_settings(XAPI_ROUTER_ENCRYPTION_KEYS=keys):
            yield
    finally:
        drop_caches()


def raw_columns(endpoint):
    """The stored bytes of the credential columns, read with SQL (no field decoding)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(SECRET_FIELDS)} FROM {LrsEndpoint._meta.db_table} WHERE id = %s", [endpoint.pk],
        )
        return dict(zip(SECRET_FIELDS, (bytes(value) for value in cursor.fetchone()), strict=True))


def decrypt(raw, key):
    return Fernet(hkdf.derive_fernet_key(key)).decrypt(raw).decode()


@pytest.mark.django_db
def test_credentials_are_encrypted_at_rest_with_the_first_key():
    check_encrypted_at_rest()


@pytest.mark.mariadb
@pytest.mark.django_db
def test_credentials_are_encrypted_at_rest_on_mariadb():
    assert connection.vendor == "mysql"
    check_encrypted_at_rest()


def check_encrypted_at_rest():
    with encryption_keys([NEW_KEY, OLD_KEY]):
        endpoint = LrsEndpoint.objects.create(name="a", statements_url=URL, username="router", password="pw-123",
                                              token="tok-456")
        raw = raw_columns(endpoint)
        for name, plaintext in (("username", "router"), ("password", "pw-123"), ("token", "tok-456")):
            assert plaintext.encode() not in raw[name]
            assert decrypt(raw[name], NEW_KEY) == plaintext
            with pytest.raises(InvalidToken):
                decrypt(raw[name], OLD_KEY)
        fresh = LrsEndpoint.objects.get(pk=endpoint.pk)
        assert (fresh.username, fresh.password, fresh.token) == ("router", "pw-123", "tok-456")


@pytest.mark.django_db
def test_without_keys_secret_key_encrypts():
    with encryption_keys([]):
        endpoint = LrsEndpoint.objects.create(name="a", statements_url=URL, username="u", password="pw-123")
        assert decrypt(raw_columns(endpoint)["password"], settings.SECRET_KEY) == "pw-123"


@pytest.mark.django_db
def test_key_rotation_with_rotate_keys():
    with encryption_keys([OLD_KEY]):
        first = LrsEndpoint.objects.create(name="a", statements_url=URL, username="u1", password="pw-1")
        second = LrsEndpoint.objects.create(name="b", statements_url=URL, auth_type="bearer", token="tok-2")
    # Step 1: the new key goes first, the old one stays: everything still reads, new writes use the new key.
    with encryption_keys([NEW_KEY, OLD_KEY]):
        assert LrsEndpoint.objects.get(pk=first.pk).password == "pw-1"
        assert decrypt(raw_columns(first)["password"], OLD_KEY) == "pw-1"
        out = StringIO()
        call_command("lrs_endpoints", "rotate-keys", stdout=out)
        assert out.getvalue() == "Re-encrypted the credentials of 2 LRS endpoint(s) with the first key.\n"
        for endpoint, name, plaintext in ((first, "password", "pw-1"), (first, "username", "u1"),
                                          (second, "token", "tok-2")):
            assert decrypt(raw_columns(endpoint)[name], NEW_KEY) == plaintext
    # Step 2: the old key is removed; everything still reads.
    with encryption_keys([NEW_KEY]):
        assert LrsEndpoint.objects.get(pk=first.pk).password == "pw-1"
        assert LrsEndpoint.objects.get(pk=second.pk).token == "tok-2"


@pytest.mark.django_db
def test_rotate_keys_names_rows_no_key_decrypts():
    with encryption_keys([OLD_KEY]):
        LrsEndpoint.objects.create(name="lost", statements_url=URL, username="u", password="pw")
    with encryption_keys([NEW_KEY]):
        LrsEndpoint.objects.create(name="fine", statements_url=URL, username="u", password="pw")
        out = StringIO()
        with pytest.raises(CommandError, match="no configured key decrypts the credentials of lost: add the key"):
            call_command("lrs_endpoints", "rotate-keys", stdout=out)
        assert out.getvalue() == "Re-encrypted the credentials of 1 LRS endpoint(s) with the first key.\n"


@pytest.mark.parametrize("filters, expected", [
    ({}, [True, True, True, True]),
    ({"allowed_event_names": ["edx.video.played"]}, [True, False, True, True]),
    ({"denied_event_names": ["edx.video.played"]}, [False, True, False, False]),
    ({"orgs": ["edX"]}, [True, True, False, True]),
    ({"courses": ["course-v1:edX+DemoX+Demo"]}, [True, True, False, False]),
    ({"allowed_event_names": ["edx.video.played"], "orgs": ["edX"], "courses": ["course-v1:edX+DemoX+Demo"]},
     [True, False, False, False]),
])
def test_matches(filters, expected):
    endpoint = LrsEndpoint(name="a", statements_url=URL, **filters)
    events = [
        ("edx.video.played", "edX", "course-v1:edX+DemoX+Demo"),
        ("problem_check", "edX", "course-v1:edX+DemoX+Demo"),
        ("edx.video.played", "MITx", "course-v1:MITx+6.00x+2026"),
        ("edx.video.played", "edX", "course-v1:edX+Other+2026"),
    ]
    assert [endpoint.matches(*event) for event in events] == expected


def clean_errors(**fields):
    endpoint = LrsEndpoint(**{"name": "a", "statements_url": URL, **fields})
    with pytest.raises(ValidationError) as raised:
        endpoint.clean()
    return raised.value.message_dict


@override_settings(XAPI_ROUTER_ALLOW_INSECURE_HTTP=False)
def test_clean_refuses_plain_http_unless_allowed():
    assert clean_errors(statements_url="http://lrs.example.org/xAPI/statements") == {"statements_url": [
        "Plain http:// would send credentials in clear text; use https:// (or set XAPI_ROUTER_ALLOW_INSECURE_HTTP "
        "for development)."
    ]}
    with override_settings(XAPI_ROUTER_ALLOW_INSECURE_HTTP=True):
        LrsEndpoint(name="a", statements_url="http://lrs.example.org/xAPI/statements").clean()


@override_settings(XAPI_ROUTER_ALLOW_INSECURE_HTTP=True)
@pytest.mark.parametrize("url, valid", [
    # A service on the deployment's network, by its one-label name: Aspects' Ralph (Tutor).
    ("http://ralph:8100/xAPI/statements", True),
    ("https://lrs:8443/data/xAPI/statements", True),
    ("https://lrs.example.org/xAPI/statements", True),
    ("http://localhost:8100/xAPI/statements", True),
    ("http://127.0.0.1:8100/xAPI/statements", True),
    ("http://ralph_lrs:8100/xAPI/statements", False),  # "_" is not allowed in a host name
    ("http://8100/xAPI/statements", False),  # all digits: not a host name
    ("ftp://ralph/xAPI/statements", False),  # an LRS speaks HTTP
    ("ralph:8100/xAPI/statements", False),
])
def test_statements_url_takes_single_label_hosts(url, valid):
    endpoint = LrsEndpoint(name="a", statements_url=url)
    if valid:
        endpoint.clean_fields()
    else:
        with pytest.raises(ValidationError) as error:
            endpoint.clean_fields()
        assert error.value.message_dict == {"statements_url": ["Enter a valid URL."]}
    # The admin's form field validates the same way.
    form_field = LrsEndpoint._meta.get_field("statements_url").formfield()
    if valid:
        assert form_field.clean(url) == url
    else:
        with pytest.raises(ValidationError):
            form_field.clean(url)


@pytest.mark.parametrize("field, value", [
    ("allowed_event_names", "edx.video.played"), ("denied_event_names", [1]), ("orgs", {"edX": True}),
    ("courses", [None]),
])
def test_clean_refuses_filters_that_are_not_lists_of_strings(field, value):
    assert clean_errors(**{field: value}) == {field: ["Give a list of strings (an empty list means no filter)."]}


def test_clean_refuses_half_basic_credentials():
    message = {"password": ["HTTP Basic needs both a username and a password."]}
    assert clean_errors(username="u") == message
    assert clean_errors(password="p") == message
    LrsEndpoint(name="a", statements_url=URL, username="u", password="p").clean()
    LrsEndpoint(name="a", statements_url=URL, auth_type="bearer", token="t").clean()


def test_auth_never_shows_the_token():
    endpoint = LrsEndpoint(name="a", statements_url=URL, auth_type="bearer", token="tok-secret")
    assert isinstance(endpoint.auth, BearerAuth)
    assert "tok-secret" not in repr(endpoint.auth)
    assert LrsEndpoint(name="a", statements_url=URL, username="u", password="p").auth == ("u", "p")
    assert LrsEndpoint(name="a", statements_url=URL).auth is None
