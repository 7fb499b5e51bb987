from django import forms

from articles.models import Audience

from .preferences import TEXT_SIZES


class PreferencesForm(forms.Form):
    reading_audience = forms.ModelChoiceField(
        queryset=Audience.objects.all(),
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
        label="Which best describes you?",
        help_text="We use it to pick the version of each article written for you.",
        error_messages={"invalid_choice": "Choose one of the reading levels listed."},
    )
    text_size = forms.ChoiceField(
        choices=TEXT_SIZES.choices,
        widget=forms.RadioSelect,
        label="Text size",
        help_text="Applies to every page of the site.",
        error_messages={"invalid_choice": "Choose standard or large text."},
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To make sure it is you.",
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That password is not right. Nothing was deleted.")
        return password


class SavedArticleForm(forms.Form):
    notify_on_review = forms.BooleanField(
        required=False, label="Email me when it is reviewed again"
    )


class ReviewerProfileForm(forms.ModelForm):
    """What a reviewer may change about their own public profile: the specialty only.

    Their display name (which carries titles like "Dr.") and credentials are set by a staff
    admin in the admin (accounts.admin.UserAdmin); a POST naming them here is ignored.
    """

    class Meta:
        from .models import User

        model = User
        fields = ["specialty"]
        help_texts = {"specialty": "e.g. “Dermatology”."}
