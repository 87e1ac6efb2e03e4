from django.contrib import admin

from .models import Account, AccountTeamMember, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class TeamInline(admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region", "owner", "status", "parent", "deleted_at"]
    list_filter = ["status", "region", "industry"]
    search_fields = ["name", "short_name", "code", "uscc"]
    autocomplete_fields = ["parent", "referred_by", "owner", "region"]
    inlines = [TeamInline]

    def get_queryset(self, request):
        # The KA department maintains data through admin; it sees what its role allows.
        return Account.objects.visible_to(request.user).select_related("region", "owner", "parent")


@admin.register(AccountTeamMember)
class AccountTeamMemberAdmin(admin.ModelAdmin):
    list_display = ["account", "user", "role", "department"]
    list_filter = ["role"]
    search_fields = ["account__name", "user__username"]
    autocomplete_fields = ["account", "user"]
