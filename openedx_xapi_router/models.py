"""
Database models: the LRS endpoints statements go to, and the dead letters that could not get there.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from openedx_xapi_router.fields import EncryptedSecretField


class LrsEndpoint(models.Model):
    """
    One Learning Record Store that statements are delivered to.

    Each statement goes to every enabled endpoint whose filters match its event, independently: one
    endpoint's outage never delays another.

    .. pii: ``username`` (and ``password``/``token``) are the credentials of the LRS's service account,
       not a learner's; they are stored encrypted and never shown after they are saved.
    .. pii_types: username, password
    .. pii_retirement: retained
    """

    AUTH_BASIC = "basic"
    AUTH_BEARER = "bearer"
    AUTH_CHOICES = ((AUTH_BASIC, "HTTP Basic (username and password)"), (AUTH_BEARER, "Bearer token"))

    name = models.CharField(max_length=100, unique=True, help_text="A short name for operators, e.g. 'aspects-ralph'.")
    statements_url = models.URLField(
        max_length=500, help_text="The LRS's statements resource, e.g. https://lrs.example.org/xAPI/statements",
    )
    auth_type = models.CharField(max_length=10, choices=AUTH_CHOICES, default=AUTH_BASIC)
    username = EncryptedSecretField(blank=True, default="", help_text="HTTP Basic user name (encrypted at rest).")
    password = EncryptedSecretField(blank=True, default="", help_text="HTTP Basic password (encrypted at rest).")
    token = EncryptedSecretField(blank=True, default="", help_text="Bearer token (encrypted at rest).")
    xapi_version = models.CharField(
        max_length=10, default="1.0.3", help_text="The X-Experience-API-Version header sent with every request.",
    )
    enabled = models.BooleanField(default=True)
    batch_size = models.PositiveIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(2000)],
        help_text="Most statements in one POST.",
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

    def __str__(self):
        return self.name

    def clean(self):
        """Refuse plain http:// unless allowed, and a list filter that is not a list of strings."""
        super().clean()
        insecure_allowed = getattr(settings, "XAPI_ROUTER_ALLOW_INSECURE_HTTP", False)
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
            raise ValidationError({"password": "HTTP Basic needs both a username and a password."})

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
        """The ``requests`` auth for this endpoint (never logged or put in task arguments)."""
        if self.auth_type == self.AUTH_BEARER:
            return BearerAuth(self.token)
        if self.username:
            return (self.username, self.password)
        return None

    def make_client(self):
        """An :class:`~openedx_xapi_router.lrs.client.LrsClient` for this endpoint."""
        from openedx_xapi_router.lrs.client import LrsClient  # pylint: disable=import-outside-toplevel

        return LrsClient(
            self.statements_url, self.auth, timeout=self.timeout, xapi_version=self.xapi_version,
            allow_insecure_http=getattr(settings, "XAPI_ROUTER_ALLOW_INSECURE_HTTP", False),
        )


class BearerAuth:
    """``Authorization: Bearer <token>`` for ``requests``; the token never appears in a repr."""

    def __init__(self, token):
        self._token = token

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
    REASON_CHOICES = (
        (REASON_REJECTED, "Rejected by the LRS (4xx)"),
        (REASON_RETRIES_EXHAUSTED, "Retries exhausted (5xx, 429, timeouts, connection errors)"),
        (REASON_BROKER_UNAVAILABLE, "Celery broker unavailable when the event was sent"),
        (REASON_ENDPOINT_DISABLED, "Endpoint disabled or removed before delivery"),
        (REASON_MISCONFIGURED, "Endpoint unusable as configured (a setting of the worker, or an LRS redirect)"),
        (REASON_UNSERIALIZABLE, "Statement not representable as JSON (number out of range, lone surrogate)"),
        (REASON_INTERNAL_ERROR, "An error of the xAPI router (see the detail and the worker's log)"),
    )

    STATE_PENDING = "pending"
    STATE_REPLAYING = "replaying"
    STATE_REPLAYED = "replayed"
    STATE_DISCARDED = "discarded"
    STATE_CHOICES = (
        (STATE_PENDING, "Pending"), (STATE_REPLAYING, "Being replayed"), (STATE_REPLAYED, "Replayed"),
        (STATE_DISCARDED, "Discarded"),
    )

    endpoint = models.ForeignKey(LrsEndpoint, on_delete=models.CASCADE, related_name="dead_letters")
    statement_id = models.CharField(max_length=36)
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
        return f"{self.statement_id} -> {self.endpoint_id} ({self.reason}, {self.state})"


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
