"""Which source column holds which order-line field.

ERP exports (用友 U8/T+, 金蝶 K3/KIS, SAP) and hand-made workbooks name the same thing in
many ways; the importer maps them onto a fixed set of canonical fields by comparing
normalised header texts with the aliases below, and the user corrects the guess with
``HEADER=FIELD`` overrides on the command line.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIELDS = {
    "customer_code": gettext_lazy("customer code"),
    "customer_name": gettext_lazy("customer name"),
    "order_no": gettext_lazy("order number"),
    "line_no": gettext_lazy("line number"),
    "order_date": gettext_lazy("order date"),
    "product_code": gettext_lazy("product code"),
    "product_name": gettext_lazy("product name"),
    "quantity": gettext_lazy("quantity"),
    "unit_price": gettext_lazy("unit price"),
    "amount": gettext_lazy("amount"),
    "cost": gettext_lazy("cost"),
    "gross_profit": gettext_lazy("gross profit"),
    "discount": gettext_lazy("discount (rate or amount)"),
    "discount_rate": gettext_lazy("discount rate"),
    "discount_amount": gettext_lazy("discount amount"),
    "paid_amount": gettext_lazy("paid amount"),
    "paid_date": gettext_lazy("paid date"),
    "region": gettext_lazy("region"),
    "industry": gettext_lazy("industry"),
}

# Deliberately absent: "Row ID" (Superstore's file-wide counter, not a line number within an
# order), "Item No" (a product number in Navision, a line number elsewhere), "Ship Date",
# "Country", "Margin" (a rate or an amount).
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_code": (
        "客户编码", "客户代码", "客户编号", "客户ID", "客户号", "客户代号", "客户码",
        "往来单位编码", "往来单位代码", "购货单位编码", "购货单位代码",
        "Customer ID", "CustomerID", "Customer Code", "Customer No", "Customer Number",
        "Cust No", "Cust ID", "Cust Code", "Client ID", "Client Code", "Account Number",
        "Account No", "Account ID", "Sold-to", "Sold-to Party", "Sold-to Pt", "KUNNR",
    ),
    "customer_name": (
        "客户名称", "客户", "客户全称", "客户简称", "购货单位", "购货单位名称", "往来单位",
        "往来单位名称", "单位名称", "购买方名称", "购方名称", "客户单位",
        "Customer Name", "Customer", "Client", "Client Name", "Account Name",
        "Sold-to Name", "Name 1",
    ),
    "order_no": (
        "单据编号", "单据号", "单据号码", "订单号", "订单编号", "订单号码", "销售订单号",
        "销售订单编号", "销售单号", "发货单号", "出库单号", "发票号", "发票号码", "单号",
        "Order ID", "OrderID", "Order No", "Order Number", "Order #", "InvoiceNo",
        "Invoice No", "Invoice Number", "Invoice", "Document No", "Document Number",
        "Doc No", "Sales Order", "Sales Order No", "SO No", "SO Number",
        "Billing Document", "VBELN",
    ),
    "line_no": (
        "行号", "序号", "明细行号", "分录号", "分录行号",
        "Line", "Line No", "Line Number", "Line #", "Item", "Order Line", "POSNR",
    ),
    "order_date": (
        "日期", "单据日期", "订单日期", "销售日期", "开票日期", "制单日期", "下单日期",
        "业务日期", "发票日期",
        "Order Date", "OrderDate", "InvoiceDate", "Invoice Date", "Date", "Document Date",
        "Billing Date", "Posting Date", "Transaction Date", "Sales Date",
    ),
    "product_code": (
        "存货编码", "物料编码", "产品编码", "商品编码", "存货代码", "物料代码", "产品代码",
        "商品代码", "产品编号", "商品编号", "物料编号", "货号", "料号", "品号",
        "Product ID", "ProductID", "Product Code", "Product No", "StockCode", "Stock Code",
        "SKU", "Item Code", "Item ID", "Material", "Material Number", "Material No",
        "Part Number", "Part No", "Article No", "Article Number", "MATNR",
    ),
    "product_name": (
        "存货名称", "物料名称", "产品名称", "商品名称", "货品名称", "品名", "产品", "商品",
        "物料描述",
        "Product Name", "ProductName", "Description", "Item Description", "Item Name",
        "Product", "Material Description",
    ),
    "quantity": (
        "数量", "销售数量", "主数量", "开票数量", "订单数量",
        "Quantity", "Qty", "Order Quantity", "Units",
    ),
    "unit_price": (
        "单价", "含税单价", "无税单价", "销售单价", "原币含税单价", "原币无税单价",
        "本币含税单价", "本币无税单价",
        "Unit Price", "UnitPrice", "Price", "Net Price", "Sales Price", "Price Each",
    ),
    "amount": (
        "金额", "价税合计", "销售额", "销售金额", "含税金额", "无税金额", "本币价税合计",
        "原币价税合计", "本币无税金额", "原币无税金额", "本币金额", "销售收入", "收入",
        "Sales", "Amount", "Revenue", "Net Sales", "Net Amount", "Sales Amount",
        "Line Total", "Net Value", "Total Amount",
    ),
    "cost": (
        "成本", "销售成本", "成本金额", "成本额", "总成本", "主营业务成本",
        "Cost", "COGS", "Cost of Goods Sold", "Total Cost", "Cost Amount",
    ),
    "gross_profit": (
        "毛利", "毛利额", "毛利润", "销售毛利",
        "Profit", "Gross Profit",
    ),
    "discount": ("折扣", "Discount"),
    "discount_rate": (
        "折扣率", "扣率", "折扣%", "折扣百分比",
        "Discount %", "Discount Rate", "Disc %", "Discount Percent",
    ),
    "discount_amount": (
        "折扣额", "折扣金额", "折让金额",
        "Discount Amount", "Disc Amount", "Discount Value",
    ),
    "paid_amount": (
        "回款金额", "收款金额", "已收金额", "回款额", "实收金额", "已回款金额", "核销金额",
        "Paid", "Paid Amount", "Amount Paid", "Payment Amount", "Amount Received",
        "Received Amount",
    ),
    "paid_date": (
        "回款日期", "收款日期", "到账日期", "核销日期",
        "Paid Date", "Payment Date", "Date Paid", "Receipt Date",
    ),
    "region": (
        "区域", "大区", "地区", "销售区域", "片区", "所属区域",
        "Region", "Sales Region", "Territory", "Area",
    ),
    "industry": (
        "行业", "所属行业", "客户行业", "行业类别",
        "Industry", "Sector", "Vertical",
    ),
}  # fmt: skip

# A bracketed note that is only a percent sign is a unit worth keeping: "折扣(%)" is a rate.
_PERCENT_NOTE = re.compile(r"[(\[【]\s*%\s*[)\]】]")
# Other bracketed notes are units or hints ("金额(元)", "客户编码（必填）") and are dropped.
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕|<[^>]*>|《[^》]*》")
_NOISE = re.compile(r"[\s_\-.·・:*'\"/\\]+")


def normalize_header(text: str) -> str:
    """Reduce a header to what identifies it, so spelling variants compare equal.

    NFKC first turns full-width letters, digits and brackets into ASCII, so "（必填）" is
    stripped like "(必填)"; then case, spaces, underscores, hyphens, dots and bracketed notes
    are dropped. Repeated until nothing changes, since a removal can leave text that
    normalises further (a letter next to a combining accent).
    """
    text = text or ""
    for _attempt in range(5):
        reduced = _normalize_once(text)
        if reduced == text:
            break
        text = reduced
    return text


def _normalize_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PERCENT_NOTE.sub("%", text)
    text = _NOTE.sub("", text)
    return unicodedata.normalize("NFKC", _NOISE.sub("", text))


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for field, aliases in ALIASES.items():
        for alias in (field, *aliases):
            key = normalize_header(alias)
            if lookup.setdefault(key, field) != field:
                raise ValueError(f"alias {alias!r} names both {lookup[key]} and {field}")
    return lookup


_LOOKUP = _build_lookup()


def recognize_header(text: str) -> str | None:
    """The canonical field a header names, or None when it names none of them."""
    return _LOOKUP.get(normalize_header(text))


class MappingError(Exception):
    """A ``HEADER=FIELD`` override that cannot apply to this file."""


class ColumnMapping(dict[str, str]):
    """field -> frame column, plus what the detection had to leave out.

    ``duplicates``: field -> further columns that also looked like it (the first one wins,
    so the importer can warn). ``unmapped``: columns that map to no field.
    """

    def __init__(self) -> None:
        super().__init__()
        self.duplicates: dict[str, list[str]] = {}
        self.unmapped: list[str] = []


def detect_mapping(columns: list[str], overrides: dict[str, str] | None = None) -> ColumnMapping:
    """Map canonical fields to columns by their headers; overrides win over the guess.

    ``overrides`` maps a header (matched exactly after stripping, else by
    ``normalize_header``) to a field name, or to "" to ignore that column.
    """
    forced = _resolve_overrides(columns, overrides or {})
    mapping = ColumnMapping()
    for column in columns:
        field = forced[column] if column in forced else recognize_header(column)
        if not field:
            mapping.unmapped.append(column)
        elif field in mapping:
            mapping.duplicates.setdefault(field, []).append(column)
        else:
            mapping[field] = column
    _put_forced_first(mapping, forced)
    return mapping


def _put_forced_first(mapping: ColumnMapping, forced: dict[str, str]) -> None:
    """An override beats an earlier column that was only guessed to be the same field."""
    for column, field in forced.items():
        if field and mapping[field] != column:
            guessed = mapping[field]
            mapping.duplicates[field].remove(column)
            mapping.duplicates[field].insert(0, guessed)
            mapping[field] = column
    for field in [f for f, extra in mapping.duplicates.items() if not extra]:
        del mapping.duplicates[field]


def _resolve_overrides(columns: list[str], overrides: dict[str, str]) -> dict[str, str]:
    """column -> field ("" = ignore), validated against the file and the field list."""
    forced: dict[str, str] = {}
    for header, field in overrides.items():
        field = (field or "").strip()
        if field and field not in FIELDS:
            raise MappingError(
                _("Unknown field “%(field)s” for column “%(header)s”. Valid fields: %(fields)s.")
                % {"field": field, "header": header, "fields": ", ".join(FIELDS)}
            )
        column = _find_column(columns, header)
        if field and field in forced.values():
            raise MappingError(
                _("Two columns are assigned to the field “%(field)s”.") % {"field": field}
            )
        forced[column] = field
    return forced


def _find_column(columns: list[str], header: str) -> str:
    wanted = header.strip()
    if wanted in columns:
        return wanted
    key = normalize_header(wanted)
    for column in columns:
        if normalize_header(column) == key:
            return column
    raise MappingError(
        _(
            "The file has no column “%(header)s”. Its columns are: %(columns)s. Valid fields: %(fields)s."
        )
        % {"header": wanted, "columns": ", ".join(columns), "fields": ", ".join(FIELDS)}
    )
