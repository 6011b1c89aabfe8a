"""The upload form of the spreadsheet imports."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportKind

MAX_BYTES = 10 * 1024 * 1024


class ImportUploadForm(forms.Form):
    """Which sheet and the file (.xlsx or .csv, at most 10 MB)."""

    kind = forms.ChoiceField(label=_("Sheet"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload
