from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError


def validate_uscc(value: str) -> None:
    """统一社会信用代码: 18 characters whose last one is a check digit (GB 32100-2015)."""
    try:
        uscc.validate(value)
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The check digit of unified social credit code %(code)s is wrong."),
            code="uscc_checksum",
            params={"code": value},
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            _("%(code)s is not a unified social credit code (18 letters and digits)."),
            code="uscc_format",
            params={"code": value},
        ) from exc
