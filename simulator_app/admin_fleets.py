"""Fleets in the admin: define one (its buildings are made by a task), start, stop, delete."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from .models import Fleet
from .services import fleets
from .services.errors import ServiceError
from .services.queue import enqueue_fleet


class FleetForm(forms.ModelForm):
    presets = forms.MultipleChoiceField(choices=[(p, p) for p in fleets.PRESET_NAMES],
                                        required=False, help_text="climates to draw from")

    class Meta:
        model = Fleet
        fields = ["org", "name", "size", "seed", "template", "presets", "interval_minutes"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # On the change form the definition is read-only: take it from the fleet itself.
        value = {f: data.get(f, getattr(self.instance, f, None)) for f in self.Meta.fields}
        try:
            with transaction.atomic():  # validate only: the real definition is saved below
                fleets.define_fleet(value["org"], value["name"], value["size"],
                                    value["template"] or {}, value["seed"],
                                    value["interval_minutes"], value["presets"])
                transaction.set_rollback(True)
        except ServiceError as exc:
            for field, message in exc.errors.items():
                self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(Fleet)
class FleetAdmin(admin.ModelAdmin):
    form = FleetForm
    list_display = ["name", "org", "size", "members_made", "running", "seed", "created_at"]
    list_filter = ["org"]
    actions = ["start_buildings", "stop_buildings", "delete_buildings"]

    def get_readonly_fields(self, request, obj=None):
        # A fleet's definition is what reproduces it: only its size may grow once made.
        return ["org", "name", "seed", "template", "presets", "interval_minutes"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # "Delete buildings" unschedules them; rows and data stay

    @admin.display(description="made")
    def members_made(self, obj):
        return obj.members.count()

    @admin.display(description="running")
    def running(self, obj):
        return fleets.running_count(obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fleet = fleets.define_fleet(obj.org, obj.name, obj.size, obj.template or {}, obj.seed,
                                    obj.interval_minutes, data.get("presets") or obj.presets)
        obj.pk, obj.created_at = fleet.pk, fleet.created_at
        enqueue_fleet(fleet.pk, "grow")
        self.message_user(request, f"Making {fleet.size} buildings of {fleet.name} in the "
                                   "background", messages.INFO)

    def queue(self, request, queryset, verb):
        for fleet in queryset:
            enqueue_fleet(fleet.pk, verb)
        self.message_user(request, f"{verb}: queued for {', '.join(f.name for f in queryset)}",
                          messages.SUCCESS)

    @admin.action(description="Start every building of the selected fleets")
    def start_buildings(self, request, queryset):
        self.queue(request, queryset, "start")

    @admin.action(description="Stop every building of the selected fleets")
    def stop_buildings(self, request, queryset):
        self.queue(request, queryset, "stop")

    @admin.action(description="Delete every building of the selected fleets (data stays)")
    def delete_buildings(self, request, queryset):
        self.queue(request, queryset, "delete")
