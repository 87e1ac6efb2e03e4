"""Forms of the import page: the upload, and the column mapping with the import options."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kam.core import currency

from . import web_import
from .importing.columns import FIELDS
from .models import ImportJob

DATE_ORDERS = [
    ("MDY", _("month/day/year (03/15/2024)")),
    ("DMY", _("day/month/year (15/03/2024)")),
    ("YMD", _("year/month/day (2024/03/15)")),
]
DATE_ORDER_NAMES = {
    "MDY": _("month/day/year"),
    "DMY": _("day/month/year"),
    "YMD": _("year/month/day"),
}
ENCODINGS = [
    ("utf-8", "UTF-8"),
    ("gb18030", _("GB18030 / GBK (Simplified Chinese)")),
    ("big5", _("Big5 (Traditional Chinese)")),
    ("utf-16", "UTF-16"),
    ("cp1252", _("Windows-1252 (Western European)")),
]


def _field_label(key: str) -> str:
    """The field's name in the user's language, and its CLI name (--map HEADER=FIELD) when
    that says something the label does not."""
    label = str(FIELDS[key])
    return label if label == key.replace("_", " ") else f"{label} ({key})"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(sorted(web_import.UPLOAD_SUFFIXES))}
        ),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            web_import.check_upload(uploaded.name, uploaded.size, uploaded)
        except web_import.UploadError as error:
            raise forms.ValidationError(str(error)) from None
        return uploaded


class MappingForm(forms.Form):
    """One select per column of the file (a kam field or "ignore"), then the options.

    Columns are numbered fields (``column_0`` …) because headers can be any text; the order
    is the file's, which the inspection that built the form has just read.
    """

    source = forms.CharField(
        label=_("Source"),
        max_length=64,
        required=False,  # the check runs without it; the import waits for it
        widget=forms.TextInput(attrs={"list": "known-sources", "autocomplete": "off"}),
    )
    date_order = forms.ChoiceField(label=_("Date order"), required=False)
    date_format = forms.CharField(
        label=_("Date format"),
        max_length=32,
        required=False,
    )
    encoding = forms.ChoiceField(label=_("Encoding"), required=False)
    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    currency = forms.ChoiceField(
        label=_("Currency of the file"),
        required=False,
        help_text=_(
            "kam converts nothing: a file in another currency than the company's is refused."
        ),
    )
    skip_unidentified = forms.BooleanField(
        label=_("Leave out rows without a customer"),
        required=False,
        help_text=_("Rows with neither customer code nor customer name, such as total rows."),
    )

    def __init__(self, *args, job: ImportJob, inspection, sheets: list[str], **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "source": job.source,
                "date_order": job.date_order,
                "date_format": job.date_format,
                "encoding": job.encoding,
                "sheet": job.sheet,
                "skip_unidentified": job.skip_unidentified,
                "currency": job.currency or settings.KAM_CURRENCY,
            },
        )
        super().__init__(*args, **kwargs)
        self.suggested_source = web_import.suggest_source(job.file_name)
        self.known_sources = web_import.known_sources()
        self.fields["source"].help_text = self._source_help()
        self.fields["date_format"].help_text = gettext(
            "Only for dates kam cannot read by itself, e.g. %(example)s"
        ) % {"example": "%d.%m.%Y"}
        self.fields["currency"].choices = currency.choices(settings.KAM_CURRENCY)
        self.inspection = inspection
        self.file_columns = list(inspection.columns)
        field_choices = [("", _("— ignore —")), *((k, _field_label(k)) for k in FIELDS)]
        for index, column in enumerate(self.file_columns):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column,
                choices=field_choices,
                required=False,
                initial=inspection.mapping.get(column, ""),
            )
        detected = DATE_ORDER_NAMES.get(inspection.detected_date_order)
        automatic = (
            gettext("automatic (detected: %(order)s)") % {"order": detected}
            if detected
            else gettext("automatic")
        )
        self.fields["date_order"].choices = [("", automatic), *DATE_ORDERS]
        if web_import.is_text_file(job):
            found = inspection.encoding
            self.fields["encoding"].choices = [
                (
                    "",
                    gettext("automatic (detected: %(encoding)s)") % {"encoding": found}
                    if found
                    else gettext("automatic"),
                ),
                *ENCODINGS,
            ]
        else:
            del self.fields["encoding"]
        if len(sheets) > 1:
            self.fields["sheet"].choices = [
                ("", gettext("the first sheet")),
                *((name, name) for name in sheets),
            ]
        else:
            del self.fields["sheet"]

    def _source_help(self) -> str:
        text = gettext(
            "The system the file comes from. Lines are matched by source, order number and "
            "line number: give every export of one system the same source, and another "
            "system another. Suggested from the file name: %(suggestion)s."
        ) % {"suggestion": self.suggested_source}
        if self.known_sources:
            text += " " + gettext("Sources imported before: %(sources)s.") % {
                "sources": ", ".join(self.known_sources)
            }
        return text

    def source_choices(self) -> list[str]:
        """What the source field offers as you type: the suggestion, then earlier sources."""
        return list(dict.fromkeys([self.suggested_source, *self.known_sources]))

    def column_rows(self) -> list[dict]:
        """Per column of the file: its select, an example value, and whether it was changed."""
        rows = []
        for index, column in enumerate(self.file_columns):
            bound = self[f"column_{index}"]
            detected = self.inspection.detected.get(column, "")
            rows.append(
                {
                    "column": column,
                    "field": bound,
                    "sample": self.inspection.samples.get(column, ""),
                    "changed": (bound.value() or "") != detected,
                }
            )
        return rows

    def option_fields(self):
        return [self[name] for name in self.fields if not name.startswith("column_")]

    def clean(self):
        cleaned = super().clean()
        taken: dict[str, str] = {}
        for index, column in enumerate(self.file_columns):
            chosen = cleaned.get(f"column_{index}")
            if not chosen:
                continue
            if chosen in taken:
                self.add_error(
                    f"column_{index}",
                    _("“%(field)s” is already the column “%(other)s”.")
                    % {"field": FIELDS[chosen], "other": taken[chosen]},
                )
            taken[chosen] = column
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {
            column: self.cleaned_data.get(f"column_{index}") or ""
            for index, column in enumerate(self.file_columns)
        }

    def options(self) -> dict:
        data = self.cleaned_data
        options = {
            "source": (data.get("source") or "").strip(),
            "date_order": data.get("date_order") or "",
            "date_format": (data.get("date_format") or "").strip(),
            "skip_unidentified": bool(data.get("skip_unidentified")),
            "currency": data.get("currency") or "",
        }
        for name in ("encoding", "sheet"):
            if name in self.fields:
                options[name] = data.get(name) or ""
        return options
