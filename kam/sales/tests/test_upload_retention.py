"""Uploads never imported are deleted, file and record, after the retention period."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from kam.sales import web_import
from kam.sales.models import ImportJob, ImportJobState

CSV = "客户编码,单据编号,日期,金额\nC001,SO-1,2024-03-05,100\n"


def uploaded(user, state: str, days_ago: int) -> ImportJob:
    """An upload as the page keeps it, last touched `days_ago` days ago."""
    job = web_import.save_upload(SimpleUploadedFile("orders.csv", CSV.encode()), user)
    touched = timezone.now() - timedelta(days=days_ago)
    ImportJob.objects.filter(pk=job.pk).update(state=state, updated_at=touched)
    job.refresh_from_db()
    return job


@pytest.fixture
def uploads(cast, settings):
    settings.KAM_UPLOAD_RETENTION_DAYS = 7
    user = cast.boss
    return {
        "old_never_started": uploaded(user, ImportJobState.NEW, 8),
        "old_refused": uploaded(user, ImportJobState.REJECTED, 30),
        "old_failed": uploaded(user, ImportJobState.FAILED, 10),
        "recent_never_started": uploaded(user, ImportJobState.NEW, 2),
        "recent_refused": uploaded(user, ImportJobState.REJECTED, 6),
        "old_imported": uploaded(user, ImportJobState.DONE, 40),
        "old_running": uploaded(user, ImportJobState.RUNNING, 9),
    }


def test_cleanup_deletes_old_abandoned_uploads_with_their_files(uploads, capsys):
    files = {name: web_import.stored_path(job) for name, job in uploads.items()}
    assert all(path.exists() for path in files.values())
    call_command("cleanup-uploads", "--lang", "en")
    out = capsys.readouterr().out
    assert "3 uploads older than 7 days deleted." in out
    gone = {"old_never_started", "old_refused", "old_failed"}
    for name, job in uploads.items():
        kept = ImportJob.objects.filter(pk=job.pk).exists()
        assert kept == (name not in gone), name
        assert files[name].exists() == (name not in gone), name
        assert files[name].parent.exists() == (name not in gone), name


def test_a_dry_run_lists_and_keeps_them(uploads, capsys):
    call_command("cleanup-uploads", "--dry-run", "--lang", "en")
    out = capsys.readouterr().out
    assert "3 uploads older than 7 days would be deleted." in out
    assert out.count("orders.csv") == 3
    assert ImportJob.objects.count() == len(uploads)


def test_the_period_is_a_setting_and_an_option(uploads, settings, capsys):
    settings.KAM_UPLOAD_RETENTION_DAYS = 60
    call_command("cleanup-uploads", "--lang", "en")
    assert "0 uploads older than 60 days deleted." in capsys.readouterr().out
    call_command("cleanup-uploads", "--days", "1", "--lang", "en")
    assert "5 uploads older than 1 days deleted." in capsys.readouterr().out
    assert set(ImportJob.objects.values_list("state", flat=True)) == {
        ImportJobState.DONE,
        ImportJobState.RUNNING,
    }


def test_the_cleanup_says_it_in_chinese(uploads, capsys):
    call_command("cleanup-uploads", "--lang", "zh-hans")
    assert "已删除 3 个超过 7 天的上传文件。" in capsys.readouterr().out
