"""The people app's pages under /people/: each subject's module brings its own routes."""

from .views import cards, contacts, network

app_name = "people"
urlpatterns = [*cards.urlpatterns, *contacts.urlpatterns, *network.urlpatterns]
