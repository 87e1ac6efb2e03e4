from django.contrib import admin

from .models import Contact


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "department", "account", "phone", "email"]
    search_fields = ["name", "account__name", "phone", "email"]
    autocomplete_fields = ["account"]

    def get_queryset(self, request):
        return Contact.objects.visible_to(request.user).select_related("account")
