"""The API tokens in the admin: who has one and since when, never the token or its digest.

knox's own admin lists digests and searches by the token's prefix; it is replaced here.
Tokens are issued by `manage.py hsim_issue_token` (shown once); the admin only revokes.
"""

from django.contrib import admin
from knox.models import AuthToken

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created", "expiry"]
    list_filter = ["created"]
    search_fields = ["user__username"]
    fields = ["user", "created", "expiry"]
    readonly_fields = ["user", "created", "expiry"]
    list_select_related = ["user"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
