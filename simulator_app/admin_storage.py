"""Admin for per-org storage policies (retention and compression days; empty = default)."""

from django.conf import settings
from django.contrib import admin

from .models import OrgStoragePolicy


@admin.register(OrgStoragePolicy)
class OrgStoragePolicyAdmin(admin.ModelAdmin):
    list_display = ("org", "retention", "compression", "updated_at")
    raw_id_fields = ("org",)

    @admin.display(description="retention days")
    def retention(self, obj):
        days = settings.HSIM_RETENTION_DAYS if obj.retention_days is None else obj.retention_days
        return f"{days or 'keep forever'}{' (default)' if obj.retention_days is None else ''}"

    @admin.display(description="compress after days")
    def compression(self, obj):
        days = (settings.HSIM_COMPRESS_AFTER_DAYS if obj.compress_after_days is None
                else obj.compress_after_days)
        return f"{days or 'never'}{' (default)' if obj.compress_after_days is None else ''}"
