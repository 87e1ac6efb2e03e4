from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.shortcuts import render

from kam.accounts.models import Account


@login_required
def home(request):
    """A first page: the accounts this user may see, largest revenue first."""
    accounts = (
        Account.objects.visible_to(request.user)
        .select_related("region", "owner")
        .annotate(revenue=Sum("months__revenue"))
        .order_by("-revenue", "name")[:50]
    )
    total = Account.objects.visible_to(request.user).count()
    return render(request, "web/home.html", {"accounts": accounts, "total": total})
