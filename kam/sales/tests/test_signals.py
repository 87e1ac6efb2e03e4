"""An import announces itself once its lines are committed (kam.sales.signals), so the apps
above sales react without sales importing them: never for a dry run or a refused file, and
a listener's failure never fails the import."""

import ast
from pathlib import Path

import pytest

from kam.sales.importing.report import ImportRejected
from kam.sales.models import ImportBatch, OrderLine
from kam.sales.services import import_orders
from kam.sales.signals import orders_imported

pytestmark = pytest.mark.django_db
HEADER = "客户编码,客户名称,单据编号,行号,日期,存货名称,数量,单价,金额,成本"


@pytest.fixture
def heard():
    calls = []

    def listener(sender, **kwargs):
        calls.append(kwargs)

    orders_imported.connect(listener, dispatch_uid="test-listener")
    yield calls
    orders_imported.disconnect(dispatch_uid="test-listener")


def csv(tmp_path, *rows) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


GOOD = "C001,华东钢铁集团,SO-1,1,2024-03-05,轴承,10,100,1000.00,700.00"


def test_sent_after_the_commit_with_the_batch(tmp_path, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = import_orders(csv(tmp_path, GOOD), source="u8")
        assert heard == [], "not before the commit"
    assert len(callbacks) == 1
    assert heard == [{"signal": orders_imported, "batch_id": result.batch_id, "source": "u8"}]
    assert ImportBatch.objects.filter(pk=result.batch_id).exists()


def test_not_sent_for_a_dry_run_or_a_refused_file(
    tmp_path, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_orders(csv(tmp_path, GOOD), dry_run=True)
        with pytest.raises(ImportRejected):
            import_orders(csv(tmp_path, GOOD.replace("1000.00", "abc")))
    assert heard == []


def test_a_failing_listener_does_not_fail_the_import(
    tmp_path, django_capture_on_commit_callbacks, caplog
):
    def broken(sender, **kwargs):
        raise RuntimeError("listener down")

    orders_imported.connect(broken, dispatch_uid="test-broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            import_orders(csv(tmp_path, GOOD))
    finally:
        orders_imported.disconnect(dispatch_uid="test-broken")
    assert OrderLine.objects.count() == 1
    assert "listener down" in caplog.text


def test_no_module_of_sales_imports_the_value_app():
    root = Path(__file__).resolve().parents[1]
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "kam.value" or n.startswith("kam.value.") for n in names), path
