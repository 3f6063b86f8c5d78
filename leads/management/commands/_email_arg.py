from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_email


def email_argument(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise CommandError(f"{value!r} is not an email address.") from None
    return value
