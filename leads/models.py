from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField

from articles.models import SeoPage

# What the reader fills in on the lead form, in the form's order.
READER_FIELDS = (
    "name",
    "email",
    "company",
    "phone",
    "country",
    "message",
    "minerals",
    "investor_type",
    "investment_range",
)
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Where the reader came from: hidden form fields, cut to fit rather than refused.
ATTRIBUTION_FIELDS = ("referrer", *UTM_FIELDS)
# What a reader sent and what was captured with it: read-only for sales, in
# the CSV export, and what a data-subject export hands back.
SUBMITTED_FIELDS = (
    *READER_FIELDS,
    "consent",
    "consent_at",
    "consent_text",
    "source_url",
    "source_title",
    *ATTRIBUTION_FIELDS,
    "created_at",
)


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        QUALIFIED = "qualified", "Qualified"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        SPAM = "spam", "Spam"

    class InvestorType(models.TextChoices):
        INDIVIDUAL = "individual", "Individual investor"
        FAMILY_OFFICE = "family_office", "Family office"
        FUND = "fund", "Investment fund"
        COMPANY = "company", "Mining or industrial company"
        TRADER = "trader", "Commodity trader"
        PUBLIC_BODY = "public_body", "Government or development body"
        OTHER = "other", "Other"

    class InvestmentRange(models.TextChoices):
        UNDER_1M = "under_1m", "Under US$1 million"
        FROM_1M = "1m_10m", "US$1–10 million"
        FROM_10M = "10m_50m", "US$10–50 million"
        OVER_50M = "over_50m", "Over US$50 million"
        UNDISCLOSED = "undisclosed", "Prefer not to say"

    class NotificationState(models.TextChoices):
        PENDING = "pending", "Queued"
        SENDING = "sending", "Being sent"
        RETRYING = "retrying", "Failed, will retry"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, gave up"
        SKIPPED = "skipped", "Not sent (spam or no recipients)"

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    company = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=100, blank=True)
    message = models.TextField(max_length=5000, blank=True)
    minerals = models.ManyToManyField(
        "articles.Mineral",
        blank=True,
        related_name="leads",
        verbose_name="minerals of interest",
    )
    investor_type = models.CharField(
        max_length=20, choices=InvestorType.choices, blank=True
    )
    investment_range = models.CharField(
        max_length=20, choices=InvestmentRange.choices, blank=True
    )
    consent = models.BooleanField(default=False)
    consent_at = models.DateTimeField("consent given at", null=True, blank=True)
    consent_text = models.TextField("consent wording shown", blank=True)
    source_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        db_index=False,
    )
    source_url = models.CharField("source URL", max_length=500, blank=True)
    source_title = models.CharField(max_length=255, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    utm_source = models.CharField("UTM source", max_length=200, blank=True)
    utm_medium = models.CharField("UTM medium", max_length=200, blank=True)
    utm_campaign = models.CharField("UTM campaign", max_length=200, blank=True)
    utm_term = models.CharField("UTM term", max_length=200, blank=True)
    utm_content = models.CharField("UTM content", max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    spam_reason = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
        limit_choices_to={"is_staff": True},
        db_index=False,
    )
    next_action_date = models.DateField(null=True, blank=True)
    # What the business is worth, in US dollars: filled in by Sales once a lead
    # is qualified or won, summed as "won value" in the article funnel.
    deal_value = models.DecimalField(
        "deal value (USD)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="For a qualified or won lead: the deal's value in US dollars.",
    )
    notification_state = models.CharField(
        max_length=12,
        choices=NotificationState.choices,
        default=NotificationState.PENDING,
    )
    notification_attempts = models.PositiveSmallIntegerField(default=0)
    notification_error = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # One per rendered form: the database refuses a second lead for it. NULL
    # (not "") for leads made without a form, so that they never collide.
    submission_token = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Contacts and follow-up (issue 10).
    contact = models.ForeignKey(
        "leads.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
        editable=False,
    )
    follow_up_sent_at = models.DateTimeField(
        "follow-up reminder sent at", null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_token"], name="lead_unique_submission_token"
            ),
            models.CheckConstraint(
                condition=Q(deal_value__gte=0) | Q(deal_value__isnull=True),
                name="lead_deal_value_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
            models.Index(fields=["status", "-created_at"], name="lead_status_idx"),
            models.Index(fields=["owner", "-created_at"], name="lead_owner_idx"),
            models.Index(fields=["source_page", "-created_at"], name="lead_source_idx"),
            models.Index(fields=["investor_type"], name="lead_investor_type_idx"),
            models.Index(fields=["country"], name="lead_country_idx"),
            # Matches the UPPER() that PostgreSQL's email__iexact produces.
            models.Index(Upper("email"), name="lead_email_ci_idx"),
        ]
        permissions = [("export_lead", "Can export leads as CSV")]

    def __str__(self) -> str:
        # Admin history and messages copy this: never the person's details.
        return f"Lead #{self.pk}"

    def earlier_enquiries(self):
        if not self.email:
            return Lead.objects.none()
        return Lead.objects.filter(email__iexact=self.email).exclude(pk=self.pk)


class LeadNote(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(max_length=5000)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Note on lead {self.lead_id}"


class LeadStatusChange(models.Model):
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="status_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=12, choices=Lead.Status.choices)
    to_status = models.CharField(max_length=12, choices=Lead.Status.choices)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


# What a contact copies from its first and its latest enquiry.
TOUCH_FIELDS = ("source_page", "source_url", "source_title", *ATTRIBUTION_FIELDS)


class Contact(models.Model):
    """One person, known by a normalised email (leads.contacts.email_normalise),
    with every enquiry they sent and where the first and the latest came from."""

    email = models.EmailField(max_length=254, unique=True, editable=False)
    domain = models.CharField(max_length=254, db_index=True, editable=False)
    first_seen_at = models.DateTimeField(editable=False)
    last_seen_at = models.DateTimeField(editable=False)
    first_source_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    first_source_url = models.CharField("first source URL", max_length=500, blank=True)
    first_source_title = models.CharField(max_length=255, blank=True)
    first_referrer = models.CharField(max_length=500, blank=True)
    first_utm_source = models.CharField("first UTM source", max_length=200, blank=True)
    first_utm_medium = models.CharField("first UTM medium", max_length=200, blank=True)
    first_utm_campaign = models.CharField(
        "first UTM campaign", max_length=200, blank=True
    )
    first_utm_term = models.CharField("first UTM term", max_length=200, blank=True)
    first_utm_content = models.CharField(
        "first UTM content", max_length=200, blank=True
    )
    last_source_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    last_source_url = models.CharField("last source URL", max_length=500, blank=True)
    last_source_title = models.CharField(max_length=255, blank=True)
    last_referrer = models.CharField(max_length=500, blank=True)
    last_utm_source = models.CharField("last UTM source", max_length=200, blank=True)
    last_utm_medium = models.CharField("last UTM medium", max_length=200, blank=True)
    last_utm_campaign = models.CharField(
        "last UTM campaign", max_length=200, blank=True
    )
    last_utm_term = models.CharField("last UTM term", max_length=200, blank=True)
    last_utm_content = models.CharField("last UTM content", max_length=200, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self) -> str:
        # Admin history copies this: never the person's address.
        return f"Contact #{self.pk}"

    def touch(self, which: str, lead: "Lead") -> None:
        """Copy `lead`'s attribution as the `which` ("first" or "last") touch."""
        for name in TOUCH_FIELDS:
            attname = f"{name}_id" if name == "source_page" else name
            setattr(self, f"{which}_{attname}", getattr(lead, attname))
        setattr(self, f"{which}_seen_at", lead.created_at)

    @staticmethod
    def touch_fields(which: str) -> list[str]:
        return [f"{which}_{name}" for name in TOUCH_FIELDS] + [f"{which}_seen_at"]


class FreeMailDomain(models.Model):
    """A domain anyone can get an address at: it names no company."""

    domain = models.CharField(
        max_length=254,
        unique=True,
        help_text="For example gmail.com: addresses there name no company.",
    )

    class Meta:
        ordering = ["domain"]
        verbose_name = "free-mail domain"

    def __str__(self) -> str:
        return self.domain


class RateCounter(models.Model):
    """Valid enquiries from one address (IPv6: one /64) in one fixed window of
    LEADS_RATE_LIMIT, counted by leads.ratelimit in one atomic statement."""

    key = models.CharField(max_length=100, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


class ContactPage(SeoPage):
    intro = RichTextField(features=["bold", "italic", "link"], blank=True)

    content_panels = SeoPage.content_panels + [FieldPanel("intro")]

    parent_page_types = ["articles.HomePage"]
    subpage_types: list[str] = []
    max_count = 1

    def fallback_description_source(self) -> str:
        return "Tell us what you are looking for in Pakistan's mineral sector."


class ThankYouPage(SeoPage):
    intro = RichTextField(features=["bold", "italic", "link"], blank=True)

    content_panels = SeoPage.content_panels + [FieldPanel("intro")]

    parent_page_types = ["articles.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
