"""The visits' and tasks' pages under /care/ (see kam/care/urls.py). The account page's
visits section lives in kam.care.visit_sections; here is "My tasks": the user's own open
tasks, overdue first, each with its account and contact, and marking one done."""

from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import services
from ..models import Task


def own_tasks(user):
    """The user's living tasks, but none of a deleted account: it is hidden from everybody
    until it is restored (user guide, "Roles"), its tasks with it."""
    return (
        Task.objects.alive()
        .filter(assignee=user)
        .filter(Q(account__isnull=True) | Q(account__deleted_at__isnull=True))
    )


def open_tasks(user):
    """The user's open tasks: dated ones by due date, so the overdue come first, undated
    ones last; with their account and contact in the same query."""
    return (
        own_tasks(user)
        .filter(done_at__isnull=True)
        .select_related("account", "contact")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )


def _tasks_context(user) -> dict:
    today = timezone.localdate()
    tasks = list(open_tasks(user))
    for task in tasks:
        task.overdue = task.due_on is not None and task.due_on < today
    return {"tasks": tasks, "overdue_count": sum(t.overdue for t in tasks), "today": today}


@login_required
def my_tasks(request):
    """Whatever the user has to do, overdue first."""
    return render(request, "care/tasks.html", _tasks_context(request.user))


@login_required
@require_POST
def task_done(request, pk: int):
    """Tick one of your own open tasks; somebody else's is not found (404). With htmx the
    list comes back, without it the page."""
    task = own_tasks(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    services.complete_task(task, by=request.user)
    if request.headers.get("HX-Request") == "true":
        html = render_to_string("care/_task_list.html", _tasks_context(request.user), request)
        return HttpResponse(html)
    return redirect(reverse("care:tasks"))


urlpatterns: list = [
    path("tasks/", my_tasks, name="tasks"),
    path("tasks/<int:pk>/done/", task_done, name="task_done"),
]
