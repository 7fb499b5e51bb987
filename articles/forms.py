"""Admin forms that are not plain model forms."""

from django import forms

from .models import Source, SourceVersion
from .source_changes import FIELDS

Change = SourceVersion.Change


class SourceChangeForm(forms.ModelForm):
    """One recorded change to a source: the fields that kind of change may set, and a note."""

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
        if change == Change.RETRACTION:
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
        """{field: new value} for the fields this change may set."""
        return {name: self.cleaned_data[name] for name in FIELDS[self.change]}


def source_change_form(change):
    return forms.modelform_factory(Source, form=SourceChangeForm, fields=FIELDS[change])
