"""The import page: upload, mapping and options, preview and check, then the import.

Only users the access layer lets import get here; an upload belongs to whoever
uploaded it. The work is done in `web_import`, over the same importer as the CLI.
"""

from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.accounts import access
from kam.accounts.access import Action

from . import web_import
from .choices import ImportOrigin
from .forms import MappingForm, UploadForm
from .importing.report import PAGE, ImportRejected, report_csv, report_xlsx
from .models import ImportBatch, ImportJob, ImportJobState

RECENT_IMPORTS = 20
RECENT_UPLOADS = 10
REPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


importer_required = access.requires(Action.IMPORT)


def _own_job(request, pk: int) -> ImportJob:
    return get_object_or_404(_uploads(request.user), pk=pk)


def _uploads(user):
    """The user's uploads on the page (command-line runs are listed as imports only)."""
    return ImportJob.objects.filter(uploaded_by=user).exclude(origin=ImportOrigin.CLI)


@importer_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = web_import.save_upload(form.cleaned_data["file"], request.user)
        return redirect("sales:import-job", pk=job.pk)
    web_import.expire_stale_jobs()
    context = {
        "form": form,
        "max_upload_mb": round(web_import.max_upload_bytes() / 1024 / 1024),
        "uploads": _uploads(request.user)[:RECENT_UPLOADS],
        **_recent_imports(),
    }
    return render(request, "sales/import.html", context, status=400 if form.errors else 200)


def _recent_imports() -> dict:
    """The imports that wrote, and the attempts the importer refused, each with its report."""
    refused = ImportJob.objects.filter(state=ImportJobState.REJECTED).defer(
        "problems",
        "result",
        "mapping",  # a refusal keeps every bad row; the list needs none
    )
    return {
        "batches": ImportBatch.objects.select_related("imported_by")[:RECENT_IMPORTS],
        "refused_jobs": refused.select_related("uploaded_by").order_by("-finished_at")[
            :RECENT_IMPORTS
        ],
    }


@importer_required
@require_http_methods(["GET", "POST"])
def job_page(request, pk: int):
    job = _own_job(request, pk)
    if job.is_active or job.state == ImportJobState.DONE:
        if request.method == "POST":
            messages.error(request, _("This file is being or has been imported."))
            return redirect("sales:import-job", pk=job.pk)
        inspection = form = None  # nothing left to choose: the page shows the run
    else:
        inspection = web_import.inspect(job)
        sheets = web_import.sheet_names(job)
        form = MappingForm(request.POST or None, job=job, inspection=inspection, sheets=sheets)
    if form is not None and request.method == "POST" and form.is_valid():
        web_import.update_options(job, mapping=form.mapping(), **form.options())
        return redirect("sales:import-job", pk=job.pk)
    context = {
        "job": job,
        "form": form,
        "inspection": inspection,
        "status": web_import.status(job),
        "blocked": web_import.blocked_reason(job, inspection),
        **_finished_context(job),
        **_recent_imports(),
    }
    code = 400 if form is not None and form.errors else 200
    return render(request, "sales/import_job.html", context, status=code)


def _finished_context(job: ImportJob) -> dict:
    """A refused run's problems, re-worded in the language of whoever reads them now."""
    if job.state != ImportJobState.REJECTED:
        return {}
    problems = web_import.problems_from_json(job.problems)
    rejected = ImportRejected(problems, total_problems=job.total_problems)
    return {
        "rejected_headline": rejected.headline(),
        "rejected_problems": rejected.problems[: web_import.PROBLEMS_SHOWN],
        "rejected_summary": web_import.problem_summary(problems),
        "rejected_hidden": job.total_problems - min(len(problems), web_import.PROBLEMS_SHOWN),
    }


@importer_required
@require_POST
def run_import(request, pk: int):
    job = _own_job(request, pk)
    busy = ""
    try:
        job = web_import.start_import(job)
    except (web_import.ImportBusy, web_import.ImportNotReady) as error:
        busy = str(error)
    if not request.headers.get("HX-Request"):
        if busy:
            messages.error(request, busy)
        return redirect("sales:import-job", pk=job.pk)
    return _status_fragment(request, job, busy=busy)


@importer_required
@require_GET
def import_status(request, pk: int):
    return _status_fragment(request, _own_job(request, pk))


def _status_fragment(request, job: ImportJob, *, busy: str = ""):
    waiting = job.state in (ImportJobState.NEW, ImportJobState.FAILED)
    inspection = web_import.inspect(job) if waiting else None  # cached: the page's own check
    context = {
        "job": job,
        "status": web_import.status(job),
        "busy": busy,
        "inspection": inspection,
        "blocked": web_import.blocked_reason(job, inspection) if waiting else "",
        **_finished_context(job),
    }
    return render(request, "sales/_import_status.html", context)


@importer_required
@require_GET
def problem_report(request, pk: int, kind: str):
    """Every problem of the file as it is mapped now, as CSV or Excel, in the page's words.

    A refused attempt's report is open to every importer, as the list of refused attempts
    beside the recent imports is; a file still being prepared only to whoever uploaded it.
    """
    if kind not in REPORT_TYPES:
        raise Http404
    job = get_object_or_404(ImportJob, pk=pk)
    if job.state != ImportJobState.REJECTED and (
        job.uploaded_by_id != request.user.pk or job.origin == ImportOrigin.CLI
    ):
        raise Http404
    if job.state == ImportJobState.REJECTED:
        problems = web_import.problems_from_json(job.problems)
        total = job.total_problems
    else:
        inspection = web_import.inspect(job)
        problems, total = inspection.problems, inspection.total_problems
    write = report_csv if kind == "csv" else report_xlsx
    response = HttpResponse(write(problems, total, PAGE), content_type=REPORT_TYPES[kind])
    name = f"{Path(job.file_name).stem}-{_('problems')}.{kind}"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
