"""Header recognition and the field mapping, with and without the user's overrides."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.sales.importing.columns import (
    ALIASES,
    FIELDS,
    MappingError,
    detect_mapping,
    normalize_header,
    recognize_header,
)

SUPERSTORE = [
    "Row ID",
    "Order ID",
    "Order Date",
    "Ship Date",
    "Ship Mode",
    "Customer ID",
    "Customer Name",
    "Segment",
    "Country",
    "City",
    "State",
    "Postal Code",
    "Region",
    "Product ID",
    "Category",
    "Sub-Category",
    "Product Name",
    "Sales",
    "Quantity",
    "Discount",
    "Profit",
]
ONLINE_RETAIL = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]

# The names the brief lists, field by field: each must be recognised.
REQUIRED = {
    "customer_code": "客户编码 客户代码 客户编号 客户ID|Customer ID|CustomerID|Customer Code|Cust No|Sold-to",
    "customer_name": "客户名称 客户 客户全称 购货单位|Customer Name|Customer",
    "order_no": "单据编号 单据号 订单号 订单编号 销售订单号 发票号|Order ID|Order No|InvoiceNo|Invoice|Document No",
    "line_no": "行号 序号|Line|Line No|Item",
    "order_date": "日期 单据日期 订单日期 销售日期 开票日期|Order Date|InvoiceDate|Date",
    "product_code": "存货编码 物料编码 产品编码 商品编码|Product ID|StockCode|SKU|Item Code",
    "product_name": "存货名称 物料名称 产品名称 商品名称|Product Name|Description",
    "quantity": "数量|Quantity|Qty",
    "unit_price": "单价 含税单价 无税单价|Unit Price|UnitPrice|Price",
    "amount": "金额 价税合计 销售额 销售金额 含税金额 无税金额|Sales|Amount|Revenue|Net Sales",
    "cost": "成本 销售成本 成本金额|Cost|COGS",
    "gross_profit": "毛利 毛利额|Profit|Gross Profit",
    "discount": "折扣|Discount",
    "discount_rate": "折扣率 扣率|Discount %|Discount Rate",
    "discount_amount": "折扣额 折扣金额|Discount Amount",
    "paid_amount": "回款金额 收款金额 已收金额|Paid|Paid Amount|Amount Paid",
    "paid_date": "回款日期 收款日期|Paid Date|Payment Date",
    "region": "区域 大区 地区 销售区域|Region",
    "industry": "行业|Industry",
}
REQUIRED_PAIRS = [
    (name, field)
    for field, spec in REQUIRED.items()
    for part in spec.split("|")
    for name in ([part] if part.isascii() else part.split())
]


def test_fields_are_the_canonical_set_with_labels():
    assert list(FIELDS) == list(REQUIRED)
    assert all(str(label) for label in FIELDS.values())
    assert set(ALIASES) == set(FIELDS)


@pytest.mark.parametrize(("header", "field"), REQUIRED_PAIRS)
def test_required_names_are_recognised(header, field):
    assert recognize_header(header) == field


def test_every_alias_maps_back_to_its_own_field():
    for field, aliases in ALIASES.items():
        for alias in aliases:
            assert recognize_header(alias) == field, alias
        assert recognize_header(field) == field


@pytest.mark.parametrize(
    "header", ["Row ID", "row_id", "Ship Date", "Country", "Segment", "", "备注", "Item No"]
)
def test_unknown_headers(header):
    assert recognize_header(header) is None


@pytest.mark.parametrize(
    "variant",
    [
        "Customer ID",
        "customer_id",
        "CUSTOMER-ID",
        "customer.id",
        " Customer  ID ",
        "ＣＵＳＴＯＭＥＲ　ＩＤ",
        "Customer ID (required)",
        "Customer ID [SAP]",
    ],
)
def test_spelling_variants_normalise_alike(variant):
    assert normalize_header(variant) == "customerid"
    assert recognize_header(variant) == "customer_code"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("客户 编码", "customer_code"),
        ("客户编码（必填）", "customer_code"),
        ("*客户编码", "customer_code"),
        ("金额(元)", "amount"),
        ("金额（万元）", "amount"),
        ("【单价】", None),
        ("折扣(%)", "discount_rate"),
        ("折扣（％）", "discount_rate"),
        ("Discount (%)", "discount_rate"),
        ("Discount%", "discount_rate"),
        ("Amount [USD]", "amount"),
        (" Sales ", "amount"),
        ("Sub-Category", None),
    ],
)
def test_notes_and_units_in_headers(header, field):
    assert recognize_header(header) == field


@given(st.text(max_size=30))
def test_normalize_is_idempotent(text):
    once = normalize_header(text)
    assert normalize_header(once) == once


@given(
    pair=st.sampled_from([(a, f) for f, names in ALIASES.items() for a in names]),
    case=st.sampled_from([str.upper, str.lower, str.title, lambda s: s]),
    space=st.sampled_from([" ", "_", "-", "  ", "\u3000"]),
)
def test_aliases_survive_case_and_separator_changes(pair, case, space):
    alias, field = pair
    assert recognize_header(case(alias).replace(" ", space)) == field


def test_superstore_mapping():
    mapping = detect_mapping(SUPERSTORE)
    assert mapping == {
        "order_no": "Order ID",
        "order_date": "Order Date",
        "customer_code": "Customer ID",
        "customer_name": "Customer Name",
        "region": "Region",
        "product_code": "Product ID",
        "product_name": "Product Name",
        "amount": "Sales",
        "quantity": "Quantity",
        "discount": "Discount",
        "gross_profit": "Profit",
    }
    assert "Row ID" in mapping.unmapped
    assert mapping.duplicates == {}


def test_online_retail_mapping():
    assert detect_mapping(ONLINE_RETAIL) == {
        "order_no": "InvoiceNo",
        "product_code": "StockCode",
        "product_name": "Description",
        "quantity": "Quantity",
        "order_date": "InvoiceDate",
        "unit_price": "UnitPrice",
        "customer_code": "CustomerID",
    }


def test_first_column_wins_and_the_rest_are_reported():
    mapping = detect_mapping(["价税合计", "无税金额", "客户", "金额"])
    assert mapping == {"amount": "价税合计", "customer_name": "客户"}
    assert mapping.duplicates == {"amount": ["无税金额", "金额"]}
    assert mapping.unmapped == []


def test_override_by_exact_and_by_normalised_header():
    columns = ["单号", "Kunde", "Umsatz", "Datum"]
    mapping = detect_mapping(
        columns, {"Kunde": "customer_name", " umsatz ": "amount", "DATUM": "order_date"}
    )
    assert mapping == {
        "order_no": "单号",
        "customer_name": "Kunde",
        "amount": "Umsatz",
        "order_date": "Datum",
    }


def test_override_with_empty_field_ignores_the_column():
    mapping = detect_mapping(["Customer", "Sales", "Region"], {"Region": ""})
    assert "region" not in mapping
    assert "Region" in mapping.unmapped


def test_override_beats_an_earlier_guess():
    mapping = detect_mapping(["Sales", "Net Amount"], {"Net Amount": "amount"})
    assert mapping["amount"] == "Net Amount"
    assert mapping.duplicates == {"amount": ["Sales"]}


def test_override_moves_a_column_to_another_field():
    mapping = detect_mapping(["Discount", "Sales"], {"Discount": "discount_amount"})
    assert mapping == {"discount_amount": "Discount", "amount": "Sales"}


def test_override_with_an_unknown_field_lists_the_valid_ones():
    with pytest.raises(MappingError) as error:
        detect_mapping(["Sales"], {"Sales": "revenue"})
    message = str(error.value)
    assert "revenue" in message
    assert all(field in message for field in FIELDS)


def test_override_for_a_missing_header():
    with pytest.raises(MappingError) as error:
        detect_mapping(["Sales"], {"Umsatz": "amount"})
    assert "Umsatz" in str(error.value)
    assert "Sales" in str(error.value)


def test_two_overrides_for_one_field():
    with pytest.raises(MappingError):
        detect_mapping(["A", "B"], {"A": "amount", "B": "amount"})


def test_duplicate_frame_columns_can_be_told_apart():
    mapping = detect_mapping(["金额", "金额 (2)"], {"金额 (2)": "cost"})
    assert mapping == {"amount": "金额", "cost": "金额 (2)"}
