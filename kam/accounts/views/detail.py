from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from kam.accounts.models import Account


@login_required
def account_detail(request, pk):
    account = get_object_or_404(Account.objects.visible_to(request.user), pk=pk)
    return HttpResponse(account.name)
