"""
Database models: the LRS endpoints statements go to, and the dead letters that could not get there.

Over ~300 lines on purpose: it holds the app's three tables and nothing else (the endpoint, its
dead letters, its hourly counts), each a declaration of fields with their help texts; the one piece
of logic, binding credentials to the statements URL's origin, must sit beside the fields it guards.
Splitting the three into a package would only add imports.
"""
import logging

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from openedx_xapi_router.conf import router_settings
from openedx_xapi_router.core.registry import CALIPER, XAPI
from openedx_xapi_router.fields import EncryptedSecretField, LrsUrlField
from openedx_xapi_router.lrs.messages import url_origin
from openedx_xapi_router.redaction import Credentials

log = logging.getLogger(__name__)


class LrsEndpoint(models.Model):
    """
    One Learning Record Store that statements are delivered to.

    Each statement goes to every enabled endpoint whose filters match its event, independently: one
    endpoint's outage never delays another.

    Credentials are bound to the origin (scheme, host, port) they were entered for
    (``credentials_origin``): :meth:`save` clears those not entered again when the statements URL
    moves to another origin, and :attr:`auth` never gives them for another origin.

    .. pii: ``username`` (and ``password``/``token``) are the credentials of the LRS's service account,
       not a learner's; they are stored encrypted and never shown after they are saved.
    .. pii_types: username, password
    .. pii_retirement: retained
    """

    AUTH_BASIC = "basic"
    AUTH_BEARER = "bearer"
    AUTH_CHOICES = ((AUTH_BASIC, "HTTP Basic (username and password)"), (AUTH_BEARER, "Bearer token"))
    #: The credential fields, bound together to ``credentials_origin``.
    CREDENTIAL_FIELDS = ("username", "password", "token")
    FORMAT_XAPI = XAPI
    FORMAT_CALIPER = CALIPER
    FORMAT_CHOICES = ((FORMAT_XAPI, "xAPI 1.0.3 statements"), (FORMAT_CALIPER, "Caliper 1.2 events (envelopes)"))

    name = models.CharField(max_length=100, unique=True, help_text="A short name for operators, e.g. 'aspects-ralph'.")
    statements_url = LrsUrlField(
        max_length=500, help_text="The LRS's statements resource, e.g. https://lrs.example.org/xAPI/statements",
    )
    auth_type = models.CharField(max_length=10, choices=AUTH_CHOICES, default=AUTH_BASIC)
    username = EncryptedSecretField(blank=True, default="", help_text="HTTP Basic user name (encrypted at rest).")
    password = EncryptedSecretField(blank=True, default="", help_text="HTTP Basic password (encrypted at rest).")
    token = EncryptedSecretField(blank=True, default="", help_text="Bearer token (encrypted at rest).")
    credentials_origin = models.CharField(
        max_length=300, blank=True, default="", editable=False, verbose_name="credentials sent only to",
        help_text="The origin (scheme://host:port) the stored credentials were entered for; they are never "
                  "sent to another.",
    )
    output_format = models.CharField(
        max_length=10, choices=FORMAT_CHOICES, default=FORMAT_XAPI, verbose_name="format",
        help_text="What this endpoint receives: xAPI statements (an LRS's statements resource), or Caliper 1.2 "
                  "events in envelopes (a Caliper endpoint; it needs a bearer token).",
    )
    xapi_version = models.CharField(
        max_length=10, default="1.0.3",
        help_text="The X-Experience-API-Version header sent with every request (xAPI endpoints only).",
    )
    enabled = models.BooleanField(default=True)
    batch_size = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(2000)],
        help_text="Most statements in one POST.",
    )
    # The body limit: 1,000,000 bytes stays under the 1 MiB that nginx lets through by default
    # (``client_max_body_size 1m``), the proxy most often in front of an LRS (Ralph behind Tutor's
    # Caddy or a Kubernetes ingress-nginx); an LRS or proxy with a smaller limit answers 413,
    # which splits the batch (never drops it), so lowering this saves those extra requests.
    max_body_bytes = models.PositiveIntegerField(
        default=1_000_000, validators=[MinValueValidator(256), MaxValueValidator(100_000_000)],
        help_text="Largest body of one POST, in bytes (the statements as JSON): a batch is cut when the next "
                  "statement would make it larger; a statement larger on its own is sent alone. The default, "
                  "1,000,000, stays under the 1 MiB nginx accepts by default (client_max_body_size); a larger "
                  "body answered 413 is split, never dropped.",
    )
    max_in_flight = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(64)],
        help_text="POSTs the backfill keeps in flight to this LRS at once (1: one after the other). Live "
                  "delivery sends one POST at a time per worker process: its concurrency is the number of "
                  "Celery worker processes (celery worker --concurrency).",
    )
    timeout = models.FloatField(
        default=10.0, validators=[MinValueValidator(0.1), MaxValueValidator(300)],
        help_text="Seconds to wait for the LRS to answer one request.",
    )
    retry_limit = models.PositiveIntegerField(
        default=8, validators=[MaxValueValidator(50)],
        help_text="Retries (with exponential back-off) before a batch goes to the dead-letter store.",
    )
    allowed_event_names = models.JSONField(
        default=list, blank=True, help_text="Event names sent to this LRS; empty means every supported event.",
    )
    denied_event_names = models.JSONField(default=list, blank=True, help_text="Event names never sent to this LRS.")
    orgs = models.JSONField(default=list, blank=True, help_text="Only events of these orgs; empty means every org.")
    courses = models.JSONField(
        default=list, blank=True, help_text="Only events of these course keys; empty means every course.",
    )
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True, default="", editable=False)
    circuit_open_until = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="While set and in the future, workers send nothing to this LRS (it failed or is slow): "
                  "its statements wait in retries. Past: one worker probes it.",
    )
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "LRS endpoint"
        ordering = ("name",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: Credential fields (re)entered in this change, even with the stored value: set by the admin
        #: form, ``lrs_endpoints add`` and the ERB import for what was typed or imported.
        self.credentials_entered = set()
        #: The credential fields :meth:`bind_credentials` cleared on this instance because the origin changed.
        self.credentials_cleared = ()

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.bind_credentials()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *self.CREDENTIAL_FIELDS, "credentials_origin"}
        super().save(*args, **kwargs)
        self.credentials_entered = set()

    @property
    def origin(self):
        """The origin of the statements URL (see :func:`url_origin`)."""
        return url_origin(self.statements_url)

    def bind_credentials(self):
        """
        Bind the credentials to the statements URL's origin before a save. When the origin is not
        the one they were entered for, every credential not entered in this change (a value that
        differs from the stored one, or one named in ``credentials_entered``) is cleared; the
        username goes with the password. Returns the names cleared now; ``credentials_cleared``
        keeps every name cleared on this instance (:meth:`clean` and :meth:`save` both bind).
        """
        origin = self.origin
        if not any(getattr(self, name) for name in self.CREDENTIAL_FIELDS):
            self.credentials_origin = ""
            return ()
        if self.credentials_origin == origin:
            return ()
        stored = None
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*self.CREDENTIAL_FIELDS).first()
        if stored is None:  # a new row: everything in it was entered now, for this origin
            self.credentials_origin = origin
            return ()

        def entered(name):
            value = getattr(self, name)
            return bool(value) and (name in self.credentials_entered or value != stored[name])

        keep = {"password": entered("password"), "token": entered("token")}
        keep["username"] = entered("username") or keep["password"]
        cleared = tuple(name for name in self.CREDENTIAL_FIELDS if getattr(self, name) and not keep[name])
        for name in cleared:
            setattr(self, name, "")
        if cleared:
            log.warning(
                "xapi_router: endpoint %s moved from %s to %s: its stored %s cleared (credentials are only sent to "
                "the origin they were entered for)", self.name, self.credentials_origin or "another origin",
                origin, ", ".join(cleared),
            )
        self.credentials_cleared = (*self.credentials_cleared, *cleared)
        self.credentials_origin = origin if any(getattr(self, name) for name in self.CREDENTIAL_FIELDS) else ""
        return cleared

    def clean(self):
        """
        Bind the credentials to the URL's origin (:meth:`bind_credentials`), then refuse plain
        http:// unless allowed, a list filter that is not a list of strings, and half of HTTP Basic.
        """
        super().clean()
        self.bind_credentials()
        insecure_allowed = router_settings.ALLOW_INSECURE_HTTP
        if self.statements_url.startswith("http://") and not insecure_allowed:
            raise ValidationError({
                "statements_url": "Plain http:// would send credentials in clear text; use https:// "
                                  "(or set XAPI_ROUTER_ALLOW_INSECURE_HTTP for development)."
            })
        for field in ("allowed_event_names", "denied_event_names", "orgs", "courses"):
            value = getattr(self, field)  # a JSONField: any JSON value until checked here
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):  # pylint: disable=not-an-iterable
                raise ValidationError({field: "Give a list of strings (an empty list means no filter)."})
        if self.auth_type == self.AUTH_BASIC and bool(self.username) != bool(self.password):
            cleared = " (the stored one was cleared: the URL's origin changed)" if self.credentials_cleared else ""
            raise ValidationError({"password": f"HTTP Basic needs both a username and a password{cleared}."})
        problem = self.caliper_auth_problem()
        if problem:
            raise ValidationError({"auth_type" if self.auth_type != self.AUTH_BEARER else "token": problem})

    @property
    def is_caliper(self):
        """True when this endpoint takes Caliper 1.2 envelopes rather than xAPI statements."""
        return self.output_format == self.FORMAT_CALIPER

    def caliper_auth_problem(self):
        """
        Why this Caliper endpoint cannot authenticate as Caliper 1.2 asks (a sensor sends
        ``Authorization: Bearer <token>``), or "" (also for an xAPI endpoint). Reads the token.
        """
        if not self.is_caliper:
            return ""
        if self.auth_type != self.AUTH_BEARER:
            return "A Caliper endpoint authenticates the sensor with a bearer token: choose \"Bearer token\"."
        if not self.token:
            cleared = " (the stored one was cleared: the URL's origin changed)" if self.credentials_cleared else ""
            return f"A Caliper endpoint needs a bearer token{cleared}."
        return ""

    def matches(self, event_name, org_id, course_id):
        """True when an event with this name, org and course is sent to this endpoint."""
        if self.allowed_event_names and event_name not in self.allowed_event_names:
            return False
        if event_name in self.denied_event_names:
            return False
        if self.orgs and org_id not in self.orgs:
            return False
        if self.courses and course_id not in self.courses:
            return False
        return True

    @property
    def auth(self):
        """
        The ``requests`` auth for this endpoint (never logged or put in task arguments); None, and
        an error logged, when the credentials were stored for another origin than the statements
        URL's (the URL was changed without :meth:`save`, e.g. by ``QuerySet.update``).
        """
        # An unsaved row's credentials were all just given, for its URL; a saved row's are bound by save().
        bound = self.credentials_origin or (self.origin if self.pk is None else "")
        if any(getattr(self, name) for name in self.CREDENTIAL_FIELDS) and bound != self.origin:
            log.error(
                "xapi_router: endpoint %s: its credentials were stored for %s, not for %s: they are not sent; "
                "enter them again for this URL", self.name, self.credentials_origin or "another origin", self.origin,
            )
            return None
        if self.auth_type == self.AUTH_BEARER:
            return BearerAuth(self.token)
        if self.username:
            return (self.username, self.password)
        return None


class BearerAuth:
    """``Authorization: Bearer <token>`` for ``requests``; the token never appears in a repr."""

    def __init__(self, token):
        self._token = token

    @property
    def credentials(self):
        """The token as :class:`~openedx_xapi_router.redaction.Credentials`, for redacting echoes of it."""
        return Credentials(token=self._token)

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self):
        return "<BearerAuth ***>"


class DeadLetter(models.Model):
    """
    A statement that could not be delivered to an endpoint, kept until it is replayed or discarded.

    One row per (endpoint, statement id): a statement that fails again updates its row (attempts,
    last failure, reason) instead of adding one.

    .. pii: The stored statement names the learner by their actor (an external id, a pseudonym, or
       an email address when the mbox actor forms are configured).
    .. pii_types: id, email_address
    .. pii_retirement: retained
    """

    REASON_REJECTED = "rejected"
    REASON_RETRIES_EXHAUSTED = "retries_exhausted"
    REASON_BROKER_UNAVAILABLE = "broker_unavailable"
    REASON_ENDPOINT_DISABLED = "endpoint_disabled"
    REASON_MISCONFIGURED = "misconfigured"
    REASON_UNSERIALIZABLE = "unserializable"
    REASON_INTERNAL_ERROR = "internal_error"
    REASON_ENDPOINT_DELETED = "endpoint_deleted"
    REASON_CHOICES = (
        (REASON_REJECTED, "Rejected by the LRS (4xx)"),
        (REASON_RETRIES_EXHAUSTED, "Retries exhausted (5xx, 429, timeouts, connection errors)"),
        (REASON_BROKER_UNAVAILABLE, "Celery broker unavailable when the event was sent"),
        (REASON_ENDPOINT_DISABLED, "Endpoint disabled or removed before delivery"),
        (REASON_MISCONFIGURED, "Endpoint unusable as configured (a setting of the worker, or an LRS redirect)"),
        (REASON_UNSERIALIZABLE, "Statement not representable as JSON (number out of range, lone surrogate)"),
        (REASON_INTERNAL_ERROR, "An error of the xAPI router (see the detail and the worker's log)"),
        (REASON_ENDPOINT_DELETED, "Endpoint deleted while its statements were queued"),
    )

    STATE_PENDING = "pending"
    STATE_REPLAYING = "replaying"
    STATE_REPLAYED = "replayed"
    STATE_DISCARDED = "discarded"
    STATE_CHOICES = (
        (STATE_PENDING, "Pending"), (STATE_REPLAYING, "Being replayed"), (STATE_REPLAYED, "Replayed"),
        (STATE_DISCARDED, "Discarded"),
    )

    endpoint = models.ForeignKey(
        LrsEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="dead_letters",
        help_text="Empty once the endpoint is deleted: the row is kept, and a replay sends it to the endpoint "
                  "named as endpoint_name if one exists again.",
    )
    endpoint_name = models.CharField(
        max_length=100, blank=True, default="",
        help_text="The endpoint's name when the row was written (empty when the endpoint was already gone).",
    )
    # An xAPI statement id is a UUID (36 characters); a Caliper event id is ``urn:uuid:<uuid>`` (45).
    statement_id = models.CharField(
        max_length=64, help_text="The statement's id (xAPI: a UUID), or the Caliper event's id (urn:uuid:...).",
    )
    statement = models.JSONField()
    event_name = models.CharField(max_length=255, db_index=True)
    transformer_version = models.CharField(max_length=255, blank=True, default="")
    reason = models.CharField(max_length=32, choices=REASON_CHOICES)
    detail = models.TextField(blank=True, default="", help_text="A short excerpt of the LRS's answer or the error.")
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_failed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=STATE_PENDING, db_index=True)
    claimed_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When a replay claimed the row (state 'replaying'); a claim older than the replay's "
                  "claim timeout is taken over by the next replay.",
    )

    class Meta:
        verbose_name = "dead letter"
        ordering = ("-last_failed_at",)
        constraints = [
            models.UniqueConstraint(fields=("endpoint", "statement_id"), name="xapi_router_deadletter_unique"),
        ]
        indexes = [models.Index(fields=("endpoint", "state"), name="xapi_router_dl_endpoint_state")]

    def __str__(self):
        endpoint = self.endpoint_id or self.endpoint_name or "deleted"
        return f"{self.statement_id} -> {endpoint} ({self.reason}, {self.state})"


class DeliveryHour(models.Model):
    """
    Delivery counts of one endpoint in one clock hour (UTC), for the status page: statements
    delivered, statements that failed (dead-lettered), and POST requests made.

    .. no_pii: Counts only.
    """

    endpoint = models.ForeignKey(LrsEndpoint, on_delete=models.CASCADE, related_name="delivery_hours")
    hour = models.DateTimeField(help_text="The start of the hour (UTC).")
    delivered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "delivery hour"
        ordering = ("-hour",)
        constraints = [
            models.UniqueConstraint(fields=("endpoint", "hour"), name="xapi_router_deliveryhour_unique"),
        ]

    def __str__(self):
        return f"{self.endpoint_id} {self.hour:%Y-%m-%d %H}:00 delivered={self.delivered} failed={self.failed}"


# The distributed backfill's tables live beside the backfill code; imported here so the app registers them.
from openedx_xapi_router.backfill.models import BackfillRun, BackfillUnit  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
