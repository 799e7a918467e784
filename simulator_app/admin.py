from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse

from .models import (
    ActivityLog, Entity, EntityTag, Org, OrgMembership, PollerConfig, ServiceAccount, Simulator,
    SimulatorState, TagDef,
)
from .models.pollers import SIMULATOR
from .services import lifecycle
from .services.current_values import current_values
from .services.errors import ServiceError
from .services.metrics import simulator_metrics
from .services.org_deletion import delete_org
from .services.orgs import OrgError, check_org_key
from .services.pollers import PollerError, create_poller, normalise_config
from .services.simulator_config import parse_building
from .services.simulators import create_simulator, update_config, validate_interval
from .services.value_databases import ensure_value_tables
from . import admin_fleets  # noqa: F401  (fleets: define, start, stop, delete)
from . import admin_tokens  # noqa: F401  (API tokens: revoke only, never shown)
from . import admin_storage  # noqa: F401  (per-org retention and compression)
from . import admin_readings

RECENT_EVENTS = 20


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
            check_org_key(key, existing=self.instance if self.instance.pk else None)
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

    # Deleting an org stops its simulators and disables it, its pollers and entities
    # (services/org_deletion.py); the row, its value tables and their data stay.
    def delete_model(self, request, obj):
        self.delete_orgs(request, [obj])

    def delete_queryset(self, request, queryset):
        self.delete_orgs(request, list(queryset))

    def delete_orgs(self, request, orgs):
        for org in orgs:
            try:
                done = delete_org(org, actor=f"{request.user.get_username()} (admin)")
            except ServiceError as exc:
                request.hsim_delete_refused = True
                self.message_user(request, f"{org}: not deleted: {exc}", messages.ERROR)
                continue
            self.message_user(
                request, f"{org}: disabled; {done['simulators']} simulator(s) stopped,"
                f" {done['pollers']} poller(s) made inactive, {done['entities']} entities"
                " disabled. Its value tables and data are kept.", messages.WARNING)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, "hsim_delete_refused", False):  # no "deleted successfully"
            return HttpResponseRedirect(reverse("admin:simulator_app_org_changelist"))
        return super().response_delete(request, obj_display, obj_id)


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


class PollerConfigForm(forms.ModelForm):
    class Meta:
        model = PollerConfig
        fields = ["org", "poller_type", "poller_name", "config", "status"]

    def clean_config(self):
        try:
            normalise_config(self.cleaned_data["config"])
        except PollerError as exc:
            raise forms.ValidationError(exc.message) from None
        return self.cleaned_data["config"]

    def clean(self):
        data = super().clean()
        if SIMULATOR in (data.get("poller_type"), self.instance.poller_type):
            # A raw simulator row would have no state and no entities; the Simulator page
            # validates the building and provisions it.
            raise forms.ValidationError("Create and edit simulators on the Simulators page.")
        return data


@admin.register(PollerConfig)
class PollerConfigAdmin(admin.ModelAdmin):
    form = PollerConfigForm
    list_display = ["poller_id", "poller_name", "poller_type", "org", "status", "created_at"]
    list_filter = ["poller_type", "status"]
    search_fields = ["poller_name"]
    readonly_fields = ["poller_id", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # The database allocates poller_id (services.pollers); a plain save inserts NULL.
        created = create_poller(obj.org, obj.poller_type, obj.poller_name, obj.config,
                                status=obj.status)
        obj.pk, obj.poller_id, obj.config = created.pk, created.poller_id, created.config
        obj.created_at = created.created_at


class SimulatorForm(forms.ModelForm):
    """The config is validated like the API validates it (building spec and interval)."""

    class Meta:
        model = Simulator
        fields = ["org", "poller_name", "config", "status"]

    def clean_config(self):
        try:
            config = normalise_config(self.cleaned_data["config"])
            building, interval = config.get("building_config"), config.get("interval_minutes")
            parse_building(building, validate_interval(interval))
        except PollerError as exc:
            raise forms.ValidationError(exc.message) from None
        except ServiceError as exc:
            raise forms.ValidationError([f"{k}: {v}" for k, v in exc.errors.items()]) from None
        self.building, self.interval = building, interval
        return self.cleaned_data["config"]


@admin.register(Simulator)
class SimulatorAdmin(PollerConfigAdmin):
    """Simulators are created, reconfigured, started, stopped and reset through the same
    services as the API; the change page shows state, metrics and recent activity."""

    form = SimulatorForm
    list_display = ["poller_id", "poller_name", "org", "status", "run_status", "last_run"]
    list_filter = ["status"]
    readonly_fields = ["poller_id", "created_at", "links", "monitoring"]
    fieldsets = [
        (None, {"fields": ["org", "poller_name", "config", "status", "poller_id", "created_at",
                           "links"]}),
        ("State, metrics and recent activity", {"fields": ["monitoring"]}),
    ]
    actions = ["start_simulators", "stop_simulators", "reset_simulators",
               "reset_and_clear_simulators", admin_readings.inject_fault]

    @admin.display(description="links")
    def links(self, obj):
        return admin_readings.links(obj)

    @admin.display(description="run status")
    def run_status(self, obj):
        state = SimulatorState.objects.filter(simulator_id=obj.poller_id).first()
        return state.status if state else "stopped"

    @admin.display(description="last interval")
    def last_run(self, obj):
        state = SimulatorState.objects.filter(simulator_id=obj.poller_id).first()
        return state.last_run_timestamp if state else None

    @admin.display(description="")
    def monitoring(self, obj):
        if obj is None or obj.pk is None:
            return "Shown once the simulator exists."
        return render_to_string("admin/simulator_app/simulator_monitoring.html", {
            "state": SimulatorState.objects.filter(simulator_id=obj.poller_id).first(),
            "metrics": simulator_metrics(obj),
            "activity": ActivityLog.objects.filter(simulator_id=obj.poller_id)[:RECENT_EVENTS],
            "current": current_values(obj),
        })

    def save_model(self, request, obj, form, change):
        if not change:  # validate, register and provision in one go, like POST /poller
            created = create_simulator(obj.org, obj.poller_name, form.building, form.interval)
            if obj.status != created.status:
                Simulator.objects.filter(pk=created.pk).update(status=obj.status)
            obj.pk, obj.poller_id, obj.config = created.pk, created.poller_id, created.config
            obj.created_at = created.created_at
            return
        if "config" in form.changed_data:
            update_config(Simulator.objects.get(pk=obj.pk), form.building, form.interval)
            obj.config = Simulator.objects.get(pk=obj.pk).config
        super().save_model(request, obj, form, change)

    def run_action(self, request, queryset, verb, action):
        done, refused = [], []
        for simulator in queryset.select_related("org"):
            try:
                action(simulator)
                done.append(simulator.poller_name)
            except ServiceError as exc:  # illegal transition or busy: say so, go on
                refused.append(f"{simulator.poller_name}: {exc}")
        if done:
            self.message_user(request, f"{verb}: {', '.join(done)}", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not {verb.lower()}: {'; '.join(refused)}",
                              messages.WARNING)

    @admin.action(description="Start selected simulators")
    def start_simulators(self, request, queryset):
        self.run_action(request, queryset, "Started", lifecycle.start)

    @admin.action(description="Stop selected simulators")
    def stop_simulators(self, request, queryset):
        reason = f"stopped in the admin by {request.user.get_username()}"
        self.run_action(request, queryset, "Stopped", lambda s: lifecycle.stop(s, reason))

    @admin.action(description="Reset selected simulators (keep generated data)")
    def reset_simulators(self, request, queryset):
        self.run_action(request, queryset, "Reset", lambda s: lifecycle.reset(s, wait_seconds=5))

    @admin.action(description="Reset selected simulators and delete their generated data")
    def reset_and_clear_simulators(self, request, queryset):
        self.run_action(request, queryset, "Reset",
                        lambda s: lifecycle.reset(s, clear_data=True, wait_seconds=5))


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


@admin.register(OrgMembership)
class OrgMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org_id", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "org"]


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    """Service accounts and their tokens come from `manage.py hsim_issue_token`."""

    list_display = ["name", "org_id", "user", "created_at"]
    readonly_fields = ["user", "org", "name", "created_at"]

    def has_add_permission(self, request):
        return False
