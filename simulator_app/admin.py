from django import forms
from django.contrib import admin

from .models import ActivityLog, Entity, EntityTag, Org, PollerConfig, Simulator, SimulatorState, TagDef
from .services.orgs import OrgError, check_org_key
from .services.value_databases import ensure_value_tables


class ReadOnlyAdmin(admin.ModelAdmin):
    """State and history are written by the simulator, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrgForm(forms.ModelForm):
    class Meta:
        model = Org
        fields = ["name", "key", "disabled_ts"]

    def clean_key(self):
        key = self.cleaned_data["key"]
        if self.instance.pk and key != self.instance.key:
            raise forms.ValidationError("The key names the org's value tables; it cannot change.")
        try:
            check_org_key(key)
        except OrgError as exc:
            raise forms.ValidationError(exc.message) from None
        return key


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    form = OrgForm
    list_display = ["id", "name", "key", "value_table", "disabled_ts"]
    search_fields = ["name", "key"]
    readonly_fields = ["value_table", "schema_name"]

    def save_model(self, request, obj, form, change):
        if not change:
            ensure_value_tables(obj.key)
            obj.value_table = f"values_{obj.key}"
            obj.schema_name = obj.key
        super().save_model(request, obj, form, change)


class EntityTagInline(admin.TabularInline):
    model = EntityTag
    fields = ["tag", "value_n", "value_b", "value_s", "value_ts", "value_ref", "disabled_ts"]
    raw_id_fields = ["tag"]
    extra = 0


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["id", "dis", "value_table_id", "disabled_ts"]
    list_filter = ["value_table_id", ("disabled_ts", admin.EmptyFieldListFilter)]
    inlines = [EntityTagInline]

    @admin.display(description="dis")
    def dis(self, obj):
        tag = obj.tags.filter(tag__name="dis", disabled_ts__isnull=True).first()
        return tag.value_s if tag else ""


@admin.register(TagDef)
class TagDefAdmin(admin.ModelAdmin):
    list_display = ["name", "dis", "doc"]
    search_fields = ["name", "doc"]


@admin.register(PollerConfig)
class PollerConfigAdmin(admin.ModelAdmin):
    list_display = ["poller_id", "poller_name", "poller_type", "org", "status", "created_at"]
    list_filter = ["poller_type", "status"]
    search_fields = ["poller_name"]
    readonly_fields = ["poller_id", "created_at"]


@admin.register(Simulator)
class SimulatorAdmin(PollerConfigAdmin):
    list_display = ["poller_id", "poller_name", "org", "status", "run_status", "last_run"]
    list_filter = ["status"]

    @admin.display(description="run status")
    def run_status(self, obj):
        state = SimulatorState.objects.filter(simulator_id=obj.poller_id).first()
        return state.status if state else "stopped"

    @admin.display(description="last interval")
    def last_run(self, obj):
        state = SimulatorState.objects.filter(simulator_id=obj.poller_id).first()
        return state.last_run_timestamp if state else None


@admin.register(SimulatorState)
class SimulatorStateAdmin(ReadOnlyAdmin):
    list_display = ["simulator_id", "status", "last_run_timestamp", "updated_at", "error_message"]
    list_filter = ["status"]


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "simulator_id", "event_type", "message"]
    list_filter = ["event_type", "simulator_id", "timestamp"]
    search_fields = ["message"]
    date_hierarchy = "timestamp"
