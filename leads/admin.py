from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.validators import validate_domain_name
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from wagtail.models import Page

from articles.models import ArticlePage, Mineral
from leads.admin_list import CountryFilter, EstimatedCountPaginator, MineralFilter
from leads.csv_export import lead_csv_chunks
from leads.models import (
    ATTRIBUTION_FIELDS,
    READER_FIELDS,
    SUBMITTED_FIELDS,
    Contact,
    ContactPage,
    FreeMailDomain,
    Lead,
    LeadNote,
    LeadStatusChange,
)
from leads.services import (
    lead_follow_up_due,
    lead_note_create,
    lead_notification_resend,
    lead_set_status,
)

DEAL_STATUSES = (Lead.Status.QUALIFIED, Lead.Status.WON)


class SourcePageFilter(admin.SimpleListFilter):
    title = "source page"
    parameter_name = "source_page"

    def lookups(self, request, model_admin):
        pages = Page.objects.type(ArticlePage, ContactPage).order_by("title")
        return [(str(page.pk), page.title) for page in pages.only("pk", "title")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(source_page_id=int(self.value()))
        return queryset


class LeadAdminForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = ("status", "owner", "next_action_date", "deal_value")

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        if cleaned.get("deal_value") is not None and status not in DEAL_STATUSES:
            self.add_error(
                "deal_value",
                forms.ValidationError(
                    "A deal value is for a qualified or won lead: set the status "
                    "first, or leave the value empty.",
                    code="deal_value_status",
                ),
            )
        return cleaned


class FollowUpFilter(admin.SimpleListFilter):
    title = "follow-up"
    parameter_name = "follow_up"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue (still new after LEADS_FOLLOW_UP_HOURS)")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset & lead_follow_up_due()
        return queryset


class LeadNoteInline(admin.TabularInline):
    model = LeadNote
    fields = ("created_at", "author", "text")
    readonly_fields = ("created_at", "author")
    extra = 1

    def has_change_permission(self, request, obj=None) -> bool:
        # Notes are a record: added, never edited.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LeadStatusChangeInline(admin.TabularInline):
    model = LeadStatusChange
    fields = ("changed_at", "changed_by", "from_status", "to_status")
    readonly_fields = fields
    extra = 0
    verbose_name = "status change"
    verbose_name_plural = "status history"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    form = LeadAdminForm
    list_display = (
        "created_at",
        "name",
        "email",
        "company",
        "mineral_list",
        "status",
        "owner",
        "source_article",
    )
    list_display_links = ("created_at", "name")
    list_filter = (
        "status",
        # Choices come from the small user and page tables, not from scanning
        # every lead for the owners and pages it uses.
        "owner",
        MineralFilter,
        "investor_type",
        SourcePageFilter,
        "created_at",
        CountryFilter,
        FollowUpFilter,
    )
    search_fields = ("name", "email", "company", "message")
    date_hierarchy = "created_at"
    # source_article shows the lead's own source_url and source_title: joining
    # the page table would only build 50 Page objects nobody reads.
    list_select_related = ("owner",)
    list_per_page = 50
    # Counting every filter option or all rows again is slow at 100,000 leads.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    readonly_fields = (
        *SUBMITTED_FIELDS,
        "source_article",
        "spam_reason",
        "notification_state",
        "notification_attempts",
        "notification_error",
        "notified_at",
        "contact_enquiries",
        "follow_up_sent_at",
    )
    fieldsets = (
        (
            "Triage",
            {"fields": ("status", "owner", "next_action_date", "deal_value")},
        ),
        (
            "Enquiry",
            {"fields": (*READER_FIELDS, "created_at", "contact_enquiries")},
        ),
        (
            "Attribution",
            {
                "fields": (
                    "source_article",
                    "source_url",
                    "source_title",
                    *ATTRIBUTION_FIELDS,
                )
            },
        ),
        ("Consent", {"fields": ("consent", "consent_at", "consent_text")}),
        (
            "Notification",
            {
                "fields": (
                    "notification_state",
                    "notification_attempts",
                    "notification_error",
                    "notified_at",
                    "follow_up_sent_at",
                    "spam_reason",
                )
            },
        ),
    )
    inlines = (LeadNoteInline, LeadStatusChangeInline)
    actions = (
        "assign_to_me",
        "set_contacted",
        "set_qualified",
        "set_won",
        "set_lost",
        "mark_spam",
        "mark_not_spam",
        "export_csv",
        "resend_notification",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("minerals", queryset=Mineral.objects.only("pk", "name"))
            )
        )

    def has_add_permission(self, request) -> bool:
        # Leads come from the form; sales never invent one.
        return False

    def action_checkbox(self, obj):
        # Django's markup, without rendering a form widget template per row.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            obj,
        )

    @admin.display(description="Minerals")
    def mineral_list(self, lead: Lead) -> str:
        return ", ".join(mineral.name for mineral in lead.minerals.all())

    @admin.display(description="Source article", ordering="source_title")
    def source_article(self, lead: Lead):
        if lead.source_page_id and lead.source_url:
            return format_html(
                '<a href="{}">{}</a>', lead.source_url, lead.source_title
            )
        return lead.source_title or "—"

    @admin.display(description="Contact")
    def contact_enquiries(self, lead: Lead):
        if lead.contact_id is None:
            return "None (erased, or sent without an email)"
        enquiries = list(
            Lead.objects.filter(contact_id=lead.contact_id)
            .order_by("created_at", "pk")
            .only("pk", "created_at", "status")
        )
        position = next(
            index for index, other in enumerate(enquiries, 1) if other.pk == lead.pk
        )
        others = format_html_join(
            "",
            '<li><a href="{}">Enquiry {}: {} ({})</a></li>',
            (
                (
                    reverse("admin:leads_lead_change", args=[other.pk]),
                    index,
                    timezone.localtime(other.created_at).strftime("%Y-%m-%d %H:%M"),
                    other.get_status_display(),
                )
                for index, other in enumerate(enquiries, 1)
                if other.pk != lead.pk
            ),
        )
        return format_html(
            '<p><a href="{}">Enquiry {} of {} from this contact</a></p>{}',
            reverse("admin:leads_contact_change", args=[lead.contact_id]),
            position,
            len(enquiries),
            format_html("<ul>{}</ul>", others) if len(enquiries) > 1 else "",
        )

    def save_model(self, request, obj, form, change) -> None:
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
        super().save_model(request, obj, form, change)
        if obj.status != new_status:
            lead_set_status(lead=obj, status=new_status, user=request.user)

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not LeadNote:
            formset.save()
            return
        for note in formset.save(commit=False):
            lead_note_create(lead=form.instance, author=request.user, text=note.text)

    def _set_status(self, request, queryset, status: str) -> None:
        changed = sum(
            1
            for lead in queryset
            if lead_set_status(lead=lead, status=status, user=request.user)
        )
        label = Lead.Status(status).label
        self.message_user(request, f"{changed} lead(s) set to {label}.")

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset) -> None:
        count = queryset.update(owner=request.user)
        self.message_user(request, f"{count} lead(s) assigned to you.")

    @admin.action(description="Set status: contacted", permissions=["change"])
    def set_contacted(self, request, queryset) -> None:
        self._set_status(request, queryset, Lead.Status.CONTACTED)

    @admin.action(description="Set status: qualified", permissions=["change"])
    def set_qualified(self, request, queryset) -> None:
        self._set_status(request, queryset, Lead.Status.QUALIFIED)

    @admin.action(description="Set status: won", permissions=["change"])
    def set_won(self, request, queryset) -> None:
        self._set_status(request, queryset, Lead.Status.WON)

    @admin.action(description="Set status: lost", permissions=["change"])
    def set_lost(self, request, queryset) -> None:
        self._set_status(request, queryset, Lead.Status.LOST)

    @admin.action(description="Mark as spam", permissions=["change"])
    def mark_spam(self, request, queryset) -> None:
        self._set_status(request, queryset, Lead.Status.SPAM)

    @admin.action(description="Not spam (back to new)", permissions=["change"])
    def mark_not_spam(self, request, queryset) -> None:
        self._set_status(
            request, queryset.filter(status=Lead.Status.SPAM), Lead.Status.NEW
        )

    @admin.action(description="Resend notification", permissions=["change"])
    def resend_notification(self, request, queryset) -> None:
        leads = list(queryset)
        queued = sum(lead_notification_resend(lead=lead) for lead in leads)
        message = f"Notification queued again for {queued} lead(s)."
        if queued < len(leads):
            message += (
                f" {len(leads) - queued} left alone: spam, erased or being sent "
                "right now."
            )
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description="Export selected as CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        response = StreamingHttpResponse(
            lead_csv_chunks(queryset.prefetch_related(None)),
            content_type="text/csv; charset=utf-8",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
        return response

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("leads.export_lead")


class ContactLeadInline(admin.TabularInline):
    model = Lead
    fields = ("created_at", "name", "company", "source_title", "status", "owner")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    extra = 0
    show_change_link = True
    verbose_name = "enquiry"
    verbose_name_plural = "enquiries"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


TOUCH_DISPLAY = ("source_title", "source_url", *ATTRIBUTION_FIELDS)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "company",
        "enquiry_count",
        "first_seen_at",
        "last_seen_at",
        "first_source_title",
        "first_utm_source",
    )
    search_fields = ("email", "domain")
    date_hierarchy = "last_seen_at"
    list_per_page = 50
    show_full_result_count = False
    fieldsets = (
        (
            "Contact",
            {
                "fields": (
                    "email",
                    "company",
                    "enquiry_count",
                    "first_seen_at",
                    "last_seen_at",
                )
            },
        ),
        ("First touch", {"fields": [f"first_{name}" for name in TOUCH_DISPLAY]}),
        ("Last touch", {"fields": [f"last_{name}" for name in TOUCH_DISPLAY]}),
    )
    readonly_fields = (
        "email",
        "company",
        "enquiry_count",
        "first_seen_at",
        "last_seen_at",
        *(f"{which}_{name}" for which in ("first", "last") for name in TOUCH_DISPLAY),
    )
    inlines = (ContactLeadInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                enquiry_total=Count("leads"),
                free_mail=Exists(
                    FreeMailDomain.objects.filter(domain=OuterRef("domain"))
                ),
            )
        )

    def has_add_permission(self, request) -> bool:
        # Contacts come from enquiries.
        return False

    @admin.display(description="Company (email domain)", ordering="domain")
    def company(self, contact: Contact) -> str:
        return "—" if contact.free_mail else contact.domain

    @admin.display(description="Enquiries", ordering="enquiry_total")
    def enquiry_count(self, contact: Contact) -> int:
        return contact.enquiry_total


class FreeMailDomainForm(forms.ModelForm):
    class Meta:
        model = FreeMailDomain
        fields = ("domain",)

    def clean_domain(self) -> str:
        domain = self.cleaned_data["domain"].strip().lstrip("@").casefold()
        try:
            validate_domain_name(domain)
        except forms.ValidationError:
            raise forms.ValidationError(
                "Enter a domain such as gmail.com, without the part before the @.",
                code="invalid",
            ) from None
        return domain


@admin.register(FreeMailDomain)
class FreeMailDomainAdmin(admin.ModelAdmin):
    form = FreeMailDomainForm
    list_display = ("domain",)
    search_fields = ("domain",)
