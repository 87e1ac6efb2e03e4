"""Imported order lines (the system of record for sales), their monthly rollup, cost to serve."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.accounts.models import AccountOwnedQuerySet
from kam.core.models import TimeStampedModel

from .choices import CostCategory, ImportOrigin

MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 18, "decimal_places": 4}


class OrderLine(models.Model):
    """One line of one order as the ERP exported it; returns are negative lines.

    (source, order_no, line_no) is the natural key, so importing a file twice adds nothing.
    `month`, `paid_month` and `days_to_pay` are derived at import so the rollup needs no date arithmetic,
    which SQLite and PostgreSQL spell differently.
    """

    source = models.CharField(_("source"), max_length=64)
    order_no = models.CharField(_("order number"), max_length=64)
    line_no = models.PositiveIntegerField(_("line number"))
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    order_date = models.DateField(_("order date"))
    month = models.DateField(_("month"))
    product_code = models.CharField(_("product code"), max_length=64, blank=True)
    product_name = models.CharField(_("product name"), max_length=255, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=0)
    unit_price = models.DecimalField(_("unit price"), **QUANTITY, null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    cost = models.DecimalField(_("cost"), **MONEY, null=True, blank=True)
    discount = models.DecimalField(_("discount"), **MONEY, default=0)
    paid_amount = models.DecimalField(_("paid amount"), **MONEY, null=True, blank=True)
    paid_date = models.DateField(_("paid date"), null=True, blank=True)
    days_to_pay = models.IntegerField(_("days to pay"), null=True, blank=True)
    paid_month = models.DateField(_("month paid"), null=True, blank=True)
    batch = models.ForeignKey(
        "sales.ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = AccountOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["order_date", "order_no", "line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "order_no", "line_no"], name="orderline_natural_key"
            )
        ]
        indexes = [models.Index(fields=["account", "month"], name="orderline_account_month")]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.order_no}/{self.line_no}"


class AccountMonth(models.Model):
    """Per account and month, additive sums only, so any period is a sum of months.

    Everything is keyed by order month except `collected`, which is keyed by the month the
    money came in, so receivables at any month end are Σ revenue − Σ collected up to it.
    Refreshed from the order lines for every (account, month) an import touches; analytics
    read this table and never the raw lines.
    """

    # Derived rows written only by the importer: no database-level constraint to check on
    # hundreds of thousands of inserts (Django still cascades deletes).
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="months",
        db_constraint=False,
    )
    month = models.DateField(_("month"))
    revenue = models.DecimalField(_("revenue"), **MONEY, default=0)
    cost = models.DecimalField(_("cost"), **MONEY, default=0)
    uncosted_revenue = models.DecimalField(_("revenue without known cost"), **MONEY, default=0)
    discount = models.DecimalField(_("discount"), **MONEY, default=0)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=0)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    return_amount = models.DecimalField(_("returns"), **MONEY, default=0)
    return_lines = models.PositiveIntegerField(_("return lines"), default=0)
    paid_amount = models.DecimalField(_("paid amount"), **MONEY, default=0)
    paid_days_amount = models.DecimalField(
        _("days to pay × paid amount"), max_digits=24, decimal_places=2, default=0
    )
    tracked_revenue = models.DecimalField(
        _("revenue with payment data"),
        **MONEY,
        default=0,
        help_text=_(
            "Revenue of lines whose export carried payment columns: only this can be owed."
        ),
    )
    collected = models.DecimalField(
        _("cash collected"),
        **MONEY,
        default=0,
        help_text=_("Payments received in this month, whatever month the goods were ordered."),
    )

    objects = AccountOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["account", "month"]
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="accountmonth_unique")
        ]
        verbose_name = _("account month")
        verbose_name_plural = _("account months")

    def __str__(self) -> str:
        return f"{self.account_id} {self.month:%Y-%m}"


class CostToServe(TimeStampedModel):
    """What serving an account cost us beyond the goods: visits, service, freight, samples."""

    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="costs_to_serve",
    )
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=32, choices=CostCategory.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = AccountOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "id"]
        indexes = [models.Index(fields=["account", "date"])]
        verbose_name = _("cost to serve")
        verbose_name_plural = _("costs to serve")

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount}"


class ImportBatch(TimeStampedModel):
    """One run of the importer, kept for audit: what file, by whom, what it changed."""

    source = models.CharField(_("source"), max_length=64)
    file_name = models.CharField(_("file name"), max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lines_added = models.PositiveIntegerField(_("lines added"), default=0)
    lines_updated = models.PositiveIntegerField(_("lines updated"), default=0)
    lines_unchanged = models.PositiveIntegerField(_("lines unchanged"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    accounts_created = models.PositiveIntegerField(_("accounts created"), default=0)
    months_refreshed = models.PositiveIntegerField(_("months refreshed"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportJobState(models.TextChoices):
    NEW = "new", _("uploaded")
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("importing")
    DONE = "done", _("imported")
    REJECTED = "rejected", _("refused: rows with problems")
    FAILED = "failed", _("failed")


class ImportJob(TimeStampedModel):
    """A file uploaded on the import page: the options chosen for it, then its run.

    The run happens in `kam worker` (or in `kam import` itself, origin "cli"); its state,
    progress and heartbeat are committed outside the importer's own all-or-nothing
    transaction. `lock` is True on the one queued or running import (a unique column: the
    database itself refuses a second). A refused run keeps its problems as reason codes, so
    they are shown in each reader's language.
    """

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    stored_as = models.CharField(
        _("stored as"), max_length=500, help_text=_("Path under the upload folder.")
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    source = models.CharField(_("source"), max_length=64, default="erp")
    mapping = models.JSONField(
        _("column mapping"),
        default=dict,
        blank=True,
        help_text=_("Column → field (empty: ignore the column); empty: as detected."),
    )
    date_order = models.CharField(_("date order"), max_length=3, blank=True)
    date_format = models.CharField(_("date format"), max_length=32, blank=True)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    skip_unidentified = models.BooleanField(_("skip rows without a customer"), default=False)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        help_text=_("ISO 4217 code of the file's amounts; empty: the company's currency."),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=ImportJobState.choices, default=ImportJobState.NEW
    )
    done = models.PositiveIntegerField(_("lines written"), default=0)
    total = models.PositiveIntegerField(_("lines to write"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    total_problems = models.PositiveIntegerField(_("number of problems"), default=0)
    error = models.TextField(_("error"), blank=True)
    batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin = models.CharField(
        _("started from"), max_length=8, choices=ImportOrigin.choices, default=ImportOrigin.PAGE
    )
    lock = models.BooleanField(_("holds the import lock"), null=True, unique=True, editable=False)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    runner = models.CharField(
        _("run by"), max_length=200, blank=True, help_text=_("host:process of the run.")
    )
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in (ImportJobState.QUEUED, ImportJobState.RUNNING)

    @property
    def is_finished(self) -> bool:
        return self.state in (ImportJobState.DONE, ImportJobState.REJECTED, ImportJobState.FAILED)
