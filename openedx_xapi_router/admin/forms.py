"""
The LRS endpoint's admin form: write-only credentials.

The password and token inputs never render a stored (or a just typed) value; a blank input keeps
the stored secret, a "clear" checkbox removes it. What is typed is recorded in the endpoint's
``credentials_entered``, so the model keeps it when the statements URL moves to another origin.
"""
import django
from django import forms
from django.contrib.admin.widgets import AdminURLFieldWidget

from openedx_xapi_router.fields import LrsUrlFormField, LrsUrlValidator
from openedx_xapi_router.models import LrsEndpoint

# The write-only secrets of an endpoint, and the label of each in messages.
SECRET_FIELDS = {"password": "password", "token": "bearer token"}


class LrsEndpointForm(forms.ModelForm):
    """
    The endpoint form, with write-only credentials.

    The ``password`` and ``token`` inputs never render a value, so the stored secrets never reach
    the page. Blank keeps the stored value; ``clear_password``/``clear_token`` removes it; anything
    typed replaces it.
    """

    statements_url = LrsUrlFormField(
        max_length=500, help_text=LrsEndpoint._meta.get_field("statements_url").help_text,
        # Wide enough to read a whole statements URL (the admin's default input is 20em).
        widget=AdminURLFieldWidget(attrs={"class": "vURLField", "style": "width: 60em; max-width: 95%"},
                                   validator_class=LrsUrlValidator),
        # A URL typed without a scheme becomes https:// (Django 6's default; 4.2 has no such option).
        **({"assume_scheme": "https"} if django.VERSION >= (5, 0) else {}),
    )
    password = forms.CharField(
        required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_password = forms.BooleanField(required=False, label="Clear the stored password")
    token = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        label="Bearer token",
    )
    clear_token = forms.BooleanField(required=False, label="Clear the stored token")

    class Meta:
        model = LrsEndpoint
        fields = (
            "name", "statements_url", "enabled", "auth_type", "username", "xapi_version", "batch_size",
            "max_body_bytes", "max_in_flight", "timeout", "retry_limit", "allowed_event_names", "denied_event_names",
            "orgs", "courses",
        )
        widgets = {
            "username": forms.TextInput(attrs={"autocomplete": "off", "size": 40}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SECRET_FIELDS.items():
            stored = bool(self.instance.pk and getattr(self.instance, name))
            self.fields[name].help_text = (
                f"A {label} is stored (encrypted; never shown). Leave blank to keep it, type a new one to "
                "replace it." if stored else f"No {label} is stored. Encrypted at rest; never shown again."
            )
            self.fields[f"clear_{name}"].disabled = not stored

    def clean(self):
        """
        Turn each secret input into the value to store: the stored one (blank), a new one (typed)
        or "" (clear). The admin puts these fields in the model form, so the cleaned value is what
        gets saved.
        """
        cleaned = super().clean()
        for name, label in SECRET_FIELDS.items():
            stored = getattr(self.instance, name) if self.instance.pk else ""
            typed = cleaned.get(name) or ""
            if cleaned.get(f"clear_{name}"):
                if typed:
                    self.add_error(f"clear_{name}", f"Either type a new {label} or clear it, not both.")
                cleaned[name] = ""
            else:
                cleaned[name] = typed or stored
                if typed:  # typed again for a new origin: kept (the model clears what was not)
                    self.instance.credentials_entered.add(name)
        if "username" in self.changed_data:
            self.instance.credentials_entered.add("username")
        return cleaned
