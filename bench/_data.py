"""Synthetic ERP order exports for the benchmarks: generated column-wise with Polars, cached.

The file looks like a Chinese ERP's sales-line export (销售出库明细): one row per order line,
customers with a Pareto-like share of orders, orders of 1–8 lines, three years of dates,
money with two decimals, about 2 % return lines (negative quantity), some lines without a
known cost and some unpaid. Everything is a pure function of (lines, customers, seed), so
every run and every benchmark sees the same rows.

Randomness comes from Polars' column hash of the row index (`Expr.hash(seed=…)`), which is
vectorised (10 million lines in a few seconds) and needs no NumPy. Hash values may change
between Polars releases, so the Polars version is part of the cache key.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import polars as pl

#: Bump when the generated content changes, so cached files are not reused.
GENERATOR_VERSION = 1

#: The export's headers, in file order, and the OrderLine field each one feeds.
HEADERS: dict[str, str] = {
    "客户编码": "account_code",
    "客户名称": "account_name",
    "单据编号": "order_no",
    "行号": "line_no",
    "日期": "order_date",
    "存货编码": "product_code",
    "存货名称": "product_name",
    "数量": "quantity",
    "单价": "unit_price",
    "金额": "amount",
    "成本": "cost",
    "折扣额": "discount",
    "回款金额": "paid_amount",
    "回款日期": "paid_date",
}

FIRST_DAY = dt.date(2022, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)  # three years; the export is taken on this day
PRODUCTS = 5_000


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CITIES = _words(
    "北京 上海 广州 深圳 天津 重庆 苏州 杭州 南京 武汉 成都 西安 宁波 无锡 青岛 "
    "厦门 长沙 郑州 合肥 济南 福州 大连 沈阳 昆明 东莞 佛山 常州 温州 绍兴 嘉兴 "
    "南通 烟台 潍坊 泉州 台州 珠海 中山 惠州 石家庄 太原"
)
_WORDS = _words(
    "华通 恒达 鑫源 永泰 宏远 金桥 中联 瑞丰 安信 天成 博远 盛世 汇丰 东方 新越 "
    "立信 德润 海纳 长城 启明 众合 嘉禾 华腾 联创 卓越 远航 富邦 兴业 同德 正泰 "
    "和信 银河 宝丰 鼎盛 万通 凯旋 光明 国泰 信达 昌盛 华宇 精工 振华 协和 金鼎 "
    "明阳 天宇 泰和 荣昌 新星 诚信 利民 隆基 宏图 佳禾 康达 华信 润泽 盈科 伟业"
)
_TRADES = _words(
    "机械 电子 化工 建材 医药 食品 物流 汽车配件 环保 能源 纺织 包装 五金 电气 "
    "仪器 塑胶 新材料 智能装备 水务 钢铁 模具 照明 家居 农业科技 通信"
)
_SUFFIXES = _words("有限公司 股份有限公司 集团有限公司 科技有限公司")
_MATERIALS = _words("不锈钢 碳钢 合金钢 铝合金 黄铜 PVC PE PP 尼龙 氟橡胶 陶瓷 玻璃钢")
_ITEMS = _words(
    "法兰 球阀 闸阀 蝶阀 弯头 三通 深沟球轴承 密封圈 离心泵 电机 压力传感器 快速接头 "
    "过滤器 垫片 六角螺栓 减速机 联轴器 流量计 电磁阀 软管"
)


def _u64(index: pl.Expr, seed: int, salt: int) -> pl.Expr:
    """A deterministic pseudo-random UInt64 per row, a function of the row index only."""
    return index.hash(seed=(seed * 1_000_003 + salt * 7_919) % (1 << 63))


def _uniform(index: pl.Expr, seed: int, salt: int) -> pl.Expr:
    """Uniform floats in [0, 1)."""
    return (_u64(index, seed, salt) // 2048).cast(pl.Float64) * (2.0**-53)


def _below(index: pl.Expr, seed: int, salt: int, k: int) -> pl.Expr:
    """Uniform integers in [0, k)."""
    return (_u64(index, seed, salt) % k).cast(pl.Int64)


def _pick(words: tuple[str, ...] | list[str], idx: pl.Expr) -> pl.Expr:
    return idx.replace_strict(list(range(len(words))), list(words), return_dtype=pl.String)


def _money(cents: pl.Expr) -> pl.Expr:
    """Integer cents → "-1234.05" (exact; no float formatting)."""
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (cents.abs() // 100).cast(pl.String)
    frac = (cents.abs() % 100).cast(pl.String).str.zfill(2)
    return pl.when(cents.is_null()).then(None).otherwise(sign + whole + "." + frac)


def _date(days: pl.Expr) -> pl.Expr:
    """Days since FIRST_DAY → Date."""
    epoch = (FIRST_DAY - dt.date(1970, 1, 1)).days
    return (days + epoch).cast(pl.Int32).cast(pl.Date)


def default_customers(lines: int) -> int:
    return max(1, lines // 100)


def _coprime_step(n: int) -> int:
    for step in (7_919, 104_729, 1_299_709, 15_485_863):
        if math.gcd(step, n) == 1:
            return step
    return 1


def customers_frame(customers: int, seed: int = 0) -> pl.DataFrame:
    """Customer index → code and a unique-looking Chinese company name."""
    i = pl.col("customer")
    # Mixed radix over the word lists gives distinct names up to their product (~250,000).
    k = (i * _coprime_step(len(_CITIES) * len(_WORDS) * len(_TRADES) * len(_SUFFIXES))) % (
        len(_CITIES) * len(_WORDS) * len(_TRADES) * len(_SUFFIXES)
    )
    city = k % len(_CITIES)
    word = (k // len(_CITIES)) % len(_WORDS)
    trade = (k // (len(_CITIES) * len(_WORDS))) % len(_TRADES)
    suffix = (k // (len(_CITIES) * len(_WORDS) * len(_TRADES))) % len(_SUFFIXES)
    width = max(6, len(str(customers)))
    return (
        pl.DataFrame({"customer": pl.int_range(0, customers, eager=True, dtype=pl.Int64)})
        .with_columns(
            account_code=pl.lit("C") + (i + 1).cast(pl.String).str.zfill(width),
            account_name=_pick(_CITIES, city)
            + _pick(_WORDS, word)
            + _pick(_TRADES, trade)
            + _pick(_SUFFIXES, suffix),
        )
        .with_columns(
            # Beyond the name space, keep names distinct with a branch number.
            account_name=pl.when(i >= len(_CITIES) * len(_WORDS) * len(_TRADES) * len(_SUFFIXES))
            .then(pl.col("account_name") + "（" + (i + 1).cast(pl.String) + "分公司）")
            .otherwise(pl.col("account_name"))
        )
    )


def products_frame(seed: int = 0) -> pl.DataFrame:
    """Product index → code, name and list price in cents (5 to 5,000 yuan, log-uniform)."""
    i = pl.col("product")
    spec = pl.when(_below(i, seed, 31, 2) == 0).then(
        pl.lit(" DN") + ((_below(i, seed, 32, 30) + 1) * 10).cast(pl.String)
    )
    spec = spec.otherwise(
        pl.lit(" 型号")
        + _pick(list("ABCDEFGHJK"), _below(i, seed, 33, 10))
        + "-"
        + (_below(i, seed, 34, 900) + 100).cast(pl.String)
    )
    return pl.DataFrame({"product": pl.int_range(0, PRODUCTS, eager=True, dtype=pl.Int64)}).select(
        "product",
        product_code=pl.lit("P") + (i + 10_001).cast(pl.String),
        product_name=_pick(_MATERIALS, _below(i, seed, 35, len(_MATERIALS)))
        + _pick(_ITEMS, _below(i, seed, 36, len(_ITEMS)))
        + spec,
        list_cents=(500.0 * (1000.0 ** _uniform(i, seed, 37))).round(0).cast(pl.Int64),
    )


def generate_orders(lines: int, customers: int | None = None, seed: int = 0) -> pl.DataFrame:
    """The export as a DataFrame with the Chinese headers, every value already a string.

    Exactly `lines` rows; about `customers` distinct customer codes (default lines/100).
    """
    if lines < 1:
        raise ValueError("lines must be positive")
    customers = customers or default_customers(lines)
    days = (LAST_DAY - FIRST_DAY).days + 1

    # Orders: 1–8 lines each, enough of them to cover `lines`, the last one cut to fit.
    estimate = int(lines / 4.5 * 1.05) + 16
    o = pl.col("order")
    orders = (
        pl.DataFrame({"order": pl.int_range(0, estimate, eager=True, dtype=pl.Int64)})
        .with_columns(size=_below(o, seed, 1, 8) + 1)
        .with_columns(start=pl.col("size").cum_sum() - pl.col("size"))
        .filter(pl.col("start") < lines)
        .with_columns(size=pl.min_horizontal("size", pl.lit(lines) - pl.col("start")))
    )
    if orders["start"][-1] + orders["size"][-1] < lines:
        raise RuntimeError("order estimate too small")  # cannot happen: the estimate is ample
    n_orders = orders.height
    # Pareto-like: rank = C·u^2.5 puts about half of the orders on the top fifth of customers;
    # a coprime stride scatters the big customers over the code range.
    step = _coprime_step(customers)
    orders = orders.with_columns(
        customer=((_uniform(o, seed, 2) ** 2.5 * customers).floor().cast(pl.Int64) * step)
        % customers,
        # Orders are numbered in date order, as an ERP numbers them.
        day=(o * days) // n_orders,
        order_no=pl.lit("SO") + (o + 1).cast(pl.String).str.zfill(8),
        # How the customer pays this order: 0 = in full, 1 = partly, 2 = not yet.
        pay_kind=pl.when(_uniform(o, seed, 3) < 0.85)
        .then(0)
        .when(_uniform(o, seed, 4) < 0.45)
        .then(1)
        .otherwise(2),
        pay_after=_below(o, seed, 5, 140) + 10,
    )

    lines_df = (
        orders.with_columns(line_no=pl.int_ranges(1, pl.col("size") + 1, dtype=pl.Int64))
        .explode("line_no")
        .with_row_index("row")
        .with_columns(pl.col("row").cast(pl.Int64))
    )
    r = pl.col("row")
    lines_df = (
        lines_df.with_columns(
            product=(_uniform(r, seed, 10) ** 1.7 * PRODUCTS).floor().cast(pl.Int64),
            quantity=(1 + (_uniform(r, seed, 11) ** 2 * 60).floor()).cast(pl.Int64)
            * pl.when(_uniform(r, seed, 12) < 0.02).then(-1).otherwise(1),
            discount_rate=pl.when(_uniform(r, seed, 13) < 0.4)
            .then(0.0)
            .otherwise(_uniform(r, seed, 14) * 0.15),
            cost_rate=0.55 + _uniform(r, seed, 15) * 0.30,
            has_cost=_uniform(r, seed, 16) >= 0.05,
            partial=0.5 + _uniform(r, seed, 17) * 0.49,
        )
        .join(products_frame(seed), on="product", how="left", maintain_order="left")
        .join(customers_frame(customers, seed), on="customer", how="left", maintain_order="left")
    )
    unit = (pl.col("list_cents") * (1 - pl.col("discount_rate"))).round(0).cast(pl.Int64)
    lines_df = lines_df.with_columns(unit_cents=unit).with_columns(
        amount_cents=pl.col("quantity") * pl.col("unit_cents"),
        discount_cents=pl.col("quantity").abs() * (pl.col("list_cents") - pl.col("unit_cents")),
        cost_cents=pl.when(pl.col("has_cost")).then(
            (pl.col("quantity") * pl.col("unit_cents") * pl.col("cost_rate"))
            .round(0)
            .cast(pl.Int64)
        ),
        paid_day=pl.col("day") + pl.col("pay_after"),
    )
    paid_known = (pl.col("pay_kind") < 2) & (pl.col("paid_day") < days)
    paid_cents = (
        pl.when(paid_known & (pl.col("pay_kind") == 0))
        .then(pl.col("amount_cents"))
        .when(paid_known)
        .then((pl.col("amount_cents") * pl.col("partial")).round(0).cast(pl.Int64))
    )
    return lines_df.select(
        pl.col("account_code").alias("客户编码"),
        pl.col("account_name").alias("客户名称"),
        pl.col("order_no").alias("单据编号"),
        pl.col("line_no").cast(pl.String).alias("行号"),
        _date(pl.col("day")).dt.strftime("%Y-%m-%d").alias("日期"),
        pl.col("product_code").alias("存货编码"),
        pl.col("product_name").alias("存货名称"),
        pl.col("quantity").cast(pl.String).alias("数量"),
        _money(pl.col("unit_cents")).alias("单价"),
        _money(pl.col("amount_cents")).alias("金额"),
        _money(pl.col("cost_cents")).alias("成本"),
        _money(pl.col("discount_cents")).alias("折扣额"),
        _money(paid_cents).alias("回款金额"),
        pl.when(paid_known)
        .then(_date(pl.col("paid_day")).dt.strftime("%Y-%m-%d"))
        .alias("回款日期"),
    )


def export_path(workdir: Path, lines: int, customers: int | None = None, seed: int = 0) -> Path:
    customers = customers or default_customers(lines)
    name = f"orders_n{lines}_c{customers}_s{seed}_g{GENERATOR_VERSION}_pl{pl.__version__}.csv"
    return Path(workdir) / name


def ensure_export(
    workdir: str | Path, lines: int, customers: int | None = None, seed: int = 0
) -> tuple[Path, bool]:
    """The cached CSV for (lines, customers, seed), generating it if missing.

    Returns (path, generated_now). Written to a temporary name and renamed, so an
    interrupted run never leaves a half file in the cache.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    path = export_path(workdir, lines, customers, seed)
    if path.exists():
        return path, False
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        generate_orders(lines, customers, seed).write_csv(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path, True


def read_export(path: str | Path) -> pl.DataFrame:
    """Parse an export into typed columns named after the OrderLine fields.

    Money and quantities stay as the exact decimal strings of the file (the databases
    store them from text); dates become Date; line numbers Int64.
    """
    df = pl.read_csv(path, infer_schema=False).rename(HEADERS)
    return df.with_columns(
        pl.col("line_no").cast(pl.Int64),
        pl.col("order_date").str.to_date("%Y-%m-%d"),
        pl.col("paid_date").str.to_date("%Y-%m-%d"),
    )


def accounts_of(df: pl.DataFrame) -> pl.DataFrame:
    """The distinct (account_code, account_name) pairs of a parsed export, sorted by code."""
    return df.select("account_code", "account_name").unique("account_code").sort("account_code")


def orderline_frame(
    df: pl.DataFrame,
    account_ids: pl.DataFrame,
    *,
    source: str,
    batch_id: int | None = None,
) -> pl.DataFrame:
    """The exact `sales_orderline` columns (except id and timestamps) for a parsed export.

    `account_ids` has columns account_code and account_id. Derived columns are computed the
    way the model documents them: month = first day of the order's month, paid_month = first
    day of the payment's month, days_to_pay = paid_date − order_date in days (null when
    unpaid).
    """
    return df.join(account_ids, on="account_code", how="left", maintain_order="left").select(
        source=pl.lit(source),
        order_no="order_no",
        line_no="line_no",
        account_id="account_id",
        order_date="order_date",
        month=pl.col("order_date").dt.truncate("1mo"),
        product_code=pl.col("product_code").fill_null(""),
        product_name=pl.col("product_name").fill_null(""),
        quantity=pl.col("quantity").fill_null("0"),
        unit_price="unit_price",
        amount="amount",
        cost="cost",
        discount=pl.col("discount").fill_null("0"),
        paid_amount="paid_amount",
        paid_date="paid_date",
        days_to_pay=(pl.col("paid_date") - pl.col("order_date")).dt.total_days().cast(pl.Int64),
        paid_month=pl.col("paid_date").dt.truncate("1mo"),
        batch_id=pl.lit(batch_id, dtype=pl.Int64),
    )
