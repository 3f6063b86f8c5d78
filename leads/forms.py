import copy
from collections.abc import Mapping
from urllib.parse import urlsplit

from django import forms
from django.forms.models import ModelFormMetaclass, construct_instance
from django.http import HttpRequest, QueryDict
from django.utils.html import format_html

from articles.models import Mineral
from leads.models import ATTRIBUTION_FIELDS, READER_FIELDS, UTM_FIELDS, Lead
from leads.offline import DATABASE_UNREACHABLE, known_mineral_ids
from leads.tokens import FormToken, form_token_read

CONSENT_TEXT = (
    "I agree that BTOB Services may store these details and contact me about my "
    "enquiry, as described in the privacy policy."
)


class AttributionField(forms.CharField):
    """A hidden value the reader cannot correct: cut to the model's
    max_length and rid of NUL characters, never refused."""

    widget = forms.HiddenInput

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.fit_length = max_length

    def to_python(self, value) -> str:
        return super().to_python(value).replace("\x00", "")[: self.fit_length]


class SharedChoicesField(forms.TypedChoiceField):
    """Django's, but each form's copy shares the class's list of choices
    instead of deep-copying every one of them: nothing changes that list in
    place (setting `choices` replaces it). Copied as a plain field, it is
    also copied directly by FieldsCopiedDirectly."""

    __deepcopy__ = forms.Field.__deepcopy__


def shared_choices_field(name: str) -> SharedChoicesField:
    """The form field ModelForm makes for Lead's choice field `name`, its
    empty choice worded for readers."""
    model_field = Lead._meta.get_field(name)
    field = model_field.formfield(choices_form_class=SharedChoicesField)
    field.choices = [("", "Choose one (optional)"), *model_field.choices]
    return field


class MineralsField(forms.ModelMultipleChoiceField):
    """Checked against the database, or, when it cannot be reached, against
    the copy of the mineral ids kept on this host; then the ids, not minerals."""

    def clean(self, value):
        # None chosen, as in most enquiries: an empty list, where Django's
        # empty queryset builds a whole query to return nothing.
        if not value and not self.required:
            return []
        return super().clean(value)

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except DATABASE_UNREACHABLE:
            known = known_mineral_ids()
        ids = set()
        for pk in value:
            try:
                ids.add(int(pk))
            except (TypeError, ValueError):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ) from None
        # None: never read on this host; the replay keeps only minerals that exist.
        unknown = sorted(ids - known) if known is not None else []
        if unknown:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": unknown[0]},
            )
        return sorted(ids)


def _attributes_copy(instance):
    """copy.copy() of a field or widget, less its reduce protocol: a new
    object of the same class with the same attributes."""
    result = object.__new__(type(instance))
    result.__dict__.update(instance.__dict__)
    return result


def _field_copy(field: forms.Field, memo: dict) -> forms.Field:
    """copy.deepcopy(field), made as Field.__deepcopy__ and the widget's
    __deepcopy__ make it, but with _attributes_copy for their copy.copy()
    calls, which were most of it. A field or widget that copies itself in
    any other way (a model choice field, a multi-value field) is left to it."""
    widget = field.widget
    widget_copy = type(widget).__deepcopy__
    if type(field).__deepcopy__ is not forms.Field.__deepcopy__ or widget_copy not in (
        forms.Widget.__deepcopy__,
        forms.widgets.ChoiceWidget.__deepcopy__,
    ):
        return copy.deepcopy(field, memo)
    result = memo[id(field)] = _attributes_copy(field)
    result.widget = memo[id(widget)] = _attributes_copy(widget)
    result.widget.attrs = widget.attrs.copy()
    if widget_copy is forms.widgets.ChoiceWidget.__deepcopy__:
        # The list its `choices` setter made, copied: setting them again
        # would only normalise them again, most of a choice field's copy.
        result.widget._choices = copy.copy(widget._choices)
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    return result


class FieldsCopiedDirectly(dict):
    """A form class's fields, which each form deep-copies (BaseForm), copied
    field by field with _field_copy: Django's copies took a twentieth of
    the application's time for an enquiry (145 µs), these about a third of
    that (the minerals field, left to Django, is a third of what is left)."""

    def __deepcopy__(self, memo):
        return {name: _field_copy(field, memo) for name, field in self.items()}


class LeadFormMetaclass(ModelFormMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = FieldsCopiedDirectly(new_class.base_fields)
        return new_class


class LeadForm(forms.ModelForm, metaclass=LeadFormMetaclass):
    minerals = MineralsField(
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
    investor_type = shared_choices_field("investor_type")
    investment_range = shared_choices_field("investment_range")
    # Honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # Empty from a reader without JavaScript: they confirm once (leads.views).
    form_token = forms.CharField(
        widget=forms.HiddenInput, max_length=500, required=False
    )
    source_page = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1
    )

    class Meta:
        model = Lead
        fields = [*READER_FIELDS, "consent", *ATTRIBUTION_FIELDS]
        field_classes = dict.fromkeys(ATTRIBUTION_FIELDS, AttributionField)
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
        self.token: FormToken | None = None

    def _post_clean(self):
        # Django's, but for the model's constraints: none is on a field of
        # this form (the token's uniqueness is settled when the lead is
        # saved), and checking them builds a query for every enquiry.
        try:
            self.instance = construct_instance(
                self, self.instance, self._meta.fields, self._meta.exclude
            )
        except forms.ValidationError as error:
            self._update_errors(error)
        try:
            self.instance.full_clean(
                exclude=self._get_validation_exclusions(),
                validate_unique=False,
                validate_constraints=False,
            )
        except forms.ValidationError as error:
            self._update_errors(error)
        if self._validate_unique:
            self.validate_unique()

    def consent_label_html(self, privacy_url: str | None):
        if not privacy_url:
            return CONSENT_TEXT
        before, _, _ = CONSENT_TEXT.rpartition("privacy policy")
        return format_html('{}<a href="{}">privacy policy</a>.', before, privacy_url)

    def clean_email(self) -> str:
        # Django accepts "quoted local parts", which may hide a second @ and
        # which many mail servers and CRMs mishandle.
        email = self.cleaned_data["email"]
        if email.count("@") != 1 or '"' in email:
            raise forms.ValidationError(
                "Enter a plain email address with one @ and no quotation marks, "
                "such as name@example.com.",
                code="invalid",
            )
        return email

    def clean_form_token(self) -> str:
        value = self.cleaned_data["form_token"]
        if not value:
            return ""
        token = form_token_read(value)
        if token is None:
            raise forms.ValidationError(
                "This form has expired or was altered. Please check your details "
                "and send it again.",
                code="bad_token",
            )
        self.token = token
        return token.nonce

    @property
    def needs_confirmation(self) -> bool:
        """Valid, but sent without a token: by a reader without JavaScript."""
        return self.is_valid() and self.token is None

    @property
    def spam_reason(self) -> str:
        if self.cleaned_data.get("website"):
            return "honeypot"
        if self.token is not None and self.token.too_fast:
            return "sent too fast"
        return ""


def attribution_clean(data: Mapping[str, str]) -> dict[str, str]:
    """The referrer and UTM values in `data` as the form's hidden fields keep them."""
    fields = LeadForm.base_fields
    return {
        name: fields[name].to_python(data.get(name, "")) for name in ATTRIBUTION_FIELDS
    }


def utm_from_referer(request: HttpRequest) -> dict[str, str]:
    """The UTM values in the address of this site's page that posted `request`.

    A reader without JavaScript posts a form whose UTM fields nothing filled
    in; the page's own address, in the Referer header, still carries them.
    """
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc != request.get_host():
        return {}
    query = QueryDict(referer.query)
    clean = attribution_clean(query)
    return {name: clean[name] for name in UTM_FIELDS if clean[name]}
