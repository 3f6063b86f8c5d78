"""What makes two enquiries one contact: the normalised address, and which
domains say nothing about the sender's company."""

# Seeded by migration 0005; the admin extends the list (FreeMailDomain).
FREE_MAIL_DOMAINS = (
    "aol.com",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "googlemail.com",
    "hotmail.co.uk",
    "hotmail.com",
    "icloud.com",
    "live.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "outlook.com",
    "pm.me",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "rediffmail.com",
    "tutanota.com",
    "web.de",
    "yahoo.co.uk",
    "yahoo.com",
    "yandex.com",
    "yandex.ru",
    "ymail.com",
    "zoho.com",
)


def email_normalise(email: str) -> str:
    """The address a contact is known by: trimmed and case-folded."""
    return email.strip().casefold()


def email_domain(email: str) -> str:
    return email_normalise(email).rpartition("@")[2]
