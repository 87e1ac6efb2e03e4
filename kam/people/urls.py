"""The people app's pages under /people/: each subject's module brings its own routes."""

from .views import cards, network

app_name = "people"
urlpatterns = [*cards.urlpatterns, *network.urlpatterns]
