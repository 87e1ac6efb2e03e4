"""Forms of the sign-in pages: the 6-digit code, and what turning two-factor sign-in off asks."""

from django import forms
from django.utils.translation import gettext_lazy as _


def code_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Code from your authenticator app"),
        required=required,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )


class CodeForm(forms.Form):
    code = code_field()


class TurnOffForm(forms.Form):
    """Either a current code or the password proves that the owner of the session is asking."""

    code = code_field(required=False)
    password = forms.CharField(
        label=_("or your password"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("code") and not cleaned.get("password"):
            raise forms.ValidationError(_("Enter a current code or your password."))
        return cleaned


class ApiTokenForm(forms.Form):
    """A new personal API token: what it is for, and optionally when it stops working."""

    name = forms.CharField(label=_("What it is for"), max_length=100)
    days = forms.IntegerField(
        label=_("Expires after (days, empty: never)"), required=False, min_value=1, max_value=3650
    )
