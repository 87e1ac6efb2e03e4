from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static


@login_required
def home(request):
    """The start page is the portfolio dashboard."""
    return redirect("value:dashboard")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(static("kam/favicon.svg"), permanent=True)
