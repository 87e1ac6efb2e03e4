"""Two-factor sign-in (TOTP through django-otp): turning it on and off for a user.

A user has at most one authenticator. Turning it on first creates an unconfirmed device
(its secret is what the QR code shows); only a right code from the app confirms it, so a
half-finished set-up never asks for codes at sign-in.
"""

from __future__ import annotations

import qrcode
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

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
