from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """The start page is the portfolio dashboard."""
    return redirect("value:dashboard")
