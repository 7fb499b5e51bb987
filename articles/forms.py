"""Admin forms that are not plain model forms."""

from django import forms

from .models import Source, SourceVersion
from .source_changes import FIELDS

Change = SourceVersion.Change


class SourceChangeForm(forms.ModelForm):
    """One recorded change to a source: the fields that kind of change may set, and a note."""

    seen_version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": "This form is out of date: open it again from the source."},
    )
    happened_on = forms.DateField(
        label="Retracted or withdrawn on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Readers are told this date.",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What changed and where you read it. Reviewers and the audit trail see it.",
        error_messages={"required": "Write a note: what changed, and where you read it."},
    )

    class Meta:
        model = Source
        fields = []

    def __init__(self, *args, change, **kwargs):
        self.change = change
        super().__init__(*args, **kwargs)
        latest = self.instance.latest_version() if self.instance.pk else None
        self.fields["seen_version"].initial = latest.number if latest else None
        if change != Change.RETRACTION:
            del self.fields["happened_on"]
        if change == Change.RETRACTION:
            self.fields["happened_on"].required = True
            self.fields["status"].choices = [
                (value, label)
                for value, label in Source.Status.choices
                if value != Source.Status.CURRENT
            ]
            self.fields["status"].label = "Retracted or withdrawn"
            self.initial["status"] = Source.Status.RETRACTED
        if change == Change.NEW_EDITION:
            for name in ("edition", "published_on"):
                self.fields[name].required = True
            self.fields["edition"].help_text = "The new edition's label, e.g. “2026 update”."
        if "published_on" in self.fields:
            self.fields["published_on"].widget = forms.DateInput(attrs={"type": "date"})

    def changed_values(self):
        """{field: new value} for the fields the person changed, and those this kind of change
        always records (a new edition's label and date, a retraction's status)."""
        always = {Change.NEW_EDITION: {"edition", "published_on"}, Change.RETRACTION: {"status"}}
        wanted = set(self.changed_data) | always.get(self.change, set())
        return {name: self.cleaned_data[name] for name in FIELDS[self.change] if name in wanted}


def source_change_form(change):
    return forms.modelform_factory(Source, form=SourceChangeForm, fields=FIELDS[change])
