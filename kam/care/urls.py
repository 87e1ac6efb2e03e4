"""The care app's pages under /care/: each subject's module brings its own routes."""

from .views import coverage, network, visits

app_name = "care"
urlpatterns = [*visits.urlpatterns, *coverage.urlpatterns, *network.urlpatterns]
