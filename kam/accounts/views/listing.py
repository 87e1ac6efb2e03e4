from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def account_list(request):
    return HttpResponse("accounts")


@login_required
def account_export(request):
    return HttpResponse("export")
