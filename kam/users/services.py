"""Two-factor sign-in (TOTP through django-otp): turning it on and off for a user; and
personal API tokens.

A user has at most one authenticator. Turning it on first creates an unconfirmed device
(its secret is what the QR code shows); only a right code from the app confirms it, so a
half-finished set-up never asks for codes at sign-in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import qrcode
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ApiToken

DEVICE_NAME = "authenticator"


def confirmed_device(user) -> TOTPDevice | None:
    """The authenticator the user signs in with, if two-factor sign-in is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The device being set up: the same secret on every visit until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def confirm_device(device: TOTPDevice, code: str) -> bool:
    """Turn two-factor sign-in on if `code` is the app's current code (throttled by
    django-otp after wrong ones)."""
    with transaction.atomic():
        if not device.verify_token(code.strip()):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    return True


def turn_off(user) -> None:
    """Remove every authenticator of the user: sign-in asks for the password only."""
    TOTPDevice.objects.filter(user=user).delete()


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for apps where one types it in."""
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg_path(text: str) -> tuple[int, str]:
    """The QR code of `text` as (size in modules, SVG path data): the page draws it as inline
    SVG, so it needs no script, no style attribute and no image from elsewhere."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    matrix = code.get_matrix()
    path = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return len(matrix), path


# ---------------------------------------------------------------- personal API tokens

TOKEN_PREFIX = "kam_"
PREFIX_LENGTH = 12  # "kam_" and 8 characters of the secret: enough to tell tokens apart
LAST_USED_EVERY = timedelta(minutes=1)  # at most one write a minute per token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_token(user, name: str, *, expires_at=None) -> tuple[ApiToken, str]:
    """A new token for `user`: the row (hash only) and the token itself, which the caller
    shows once; kam cannot show it again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API",
        prefix=token[:PREFIX_LENGTH],
        key_hash=_hash(token),
        expires_at=expires_at,
    )
    return row, token


def revoke_api_token(token: ApiToken) -> ApiToken:
    """From now on requests with it get 401; the row stays, so the list shows when."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def user_for_token(token: str):
    """The active user a token belongs to, or None (unknown, revoked, expired, or the user
    deactivated). Notes when it was last used, at most once a minute."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = ApiToken.objects.select_related("user").filter(key_hash=_hash(token)).first()
    now = timezone.now()
    if row is None or not row.usable(now) or not row.user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
