from django import forms
from django.utils.html import format_html

from articles.models import Mineral
from leads.models import Lead
from leads.pages import ATTRIBUTION_MAX
from leads.tokens import FormToken, form_token_read

CONSENT_TEXT = (
    "I agree that BTOB Services may store these details and contact me about my "
    "enquiry, as described in the privacy policy."
)


class LeadForm(forms.ModelForm):
    minerals = forms.ModelMultipleChoiceField(
        label="Minerals of interest",
        queryset=Mineral.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        error_messages={
            "required": "Please tick the box so that we may store and answer "
            "your enquiry."
        },
    )
    # Honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=500)
    source_page = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1
    )
    referrer = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)
    utm_source = forms.CharField(widget=forms.HiddenInput, required=False)
    utm_medium = forms.CharField(widget=forms.HiddenInput, required=False)
    utm_campaign = forms.CharField(widget=forms.HiddenInput, required=False)
    utm_term = forms.CharField(widget=forms.HiddenInput, required=False)
    utm_content = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Lead
        fields = [
            "name",
            "email",
            "company",
            "phone",
            "country",
            "message",
            "minerals",
            "investor_type",
            "investment_range",
            "consent",
        ]
        labels = {
            "name": "Name",
            "email": "Email",
            "company": "Company",
            "phone": "Phone",
            "country": "Country",
            "message": "Message",
            "investor_type": "Investor type",
            "investment_range": "Investment range",
        }
        widgets = {
            "message": forms.Textarea(attrs={"rows": 6}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "company": forms.TextInput(attrs={"autocomplete": "organization"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "country": forms.TextInput(attrs={"autocomplete": "country-name"}),
        }
        error_messages = {
            "email": {"invalid": "Enter an email address such as name@example.com."},
            "message": {
                "max_length": "Keep the message to at most %(limit_value)d "
                "characters (it has %(show_value)d)."
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        self.fields["investor_type"].choices = [
            ("", "Choose one (optional)"),
            *Lead.InvestorType.choices,
        ]
        self.fields["investment_range"].choices = [
            ("", "Choose one (optional)"),
            *Lead.InvestmentRange.choices,
        ]
        self.token: FormToken | None = None

    def consent_label_html(self, privacy_url: str | None):
        if not privacy_url:
            return CONSENT_TEXT
        before, _, _ = CONSENT_TEXT.rpartition("privacy policy")
        return format_html('{}<a href="{}">privacy policy</a>.', before, privacy_url)

    def clean_form_token(self) -> str:
        token = form_token_read(self.cleaned_data["form_token"])
        if token is None:
            raise forms.ValidationError(
                "This form has expired or was altered. Please check your details "
                "and send it again.",
                code="bad_token",
            )
        self.token = token
        return token.nonce

    def _clean_attribution(self, name: str) -> str:
        return self.cleaned_data.get(name, "").replace("\x00", "")[
            : ATTRIBUTION_MAX[name]
        ]

    def clean(self):
        cleaned = super().clean()
        for name in ATTRIBUTION_MAX:
            cleaned[name] = self._clean_attribution(name)
        return cleaned

    @property
    def spam_reason(self) -> str:
        if self.cleaned_data.get("website"):
            return "honeypot"
        if self.token is not None and self.token.too_fast:
            return "sent too fast"
        return ""
