"""Admin additions of the reading work: links from a simulator's page to its dashboard and
periodic task, and the "Inject a fault" action (a small form over services.faults_runtime)."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django_celery_beat.models import PeriodicTask

from .services import faults_runtime, schedule
from .engine.spec import FAULT_MODES
from .services.faults_runtime import FAULT_TARGETS
from .services.errors import ServiceError


def dashboard_url(simulator):
    try:
        return reverse("web:dashboard", args=[simulator.poller_id])
    except NoReverseMatch:  # the dashboard app is not installed
        return f"/dashboard/simulators/{simulator.poller_id}/"


def periodic_task_url(simulator):
    task = PeriodicTask.objects.filter(name=schedule.task_name(simulator.poller_id)).first()
    if task is None:
        return None
    return reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])


def links(simulator):
    """HTML links: dashboard, periodic task (once the simulator was started), history CSV."""
    if simulator is None or simulator.pk is None:
        return "Shown once the simulator exists."
    items = [("Dashboard", dashboard_url(simulator)),
             ("Fault labels (last day)", f"/simulator/labels/{simulator.poller_id}"),
             ("Injected faults", f"/simulator/faults/{simulator.poller_id}"),
             ("History CSV (last day)",
              f"/simulator/history/{simulator.poller_id}?format=csv")]
    task = periodic_task_url(simulator)
    items.insert(1, (f"Periodic task {schedule.task_name(simulator.poller_id)}", task)
                 if task else ("No periodic task yet (created at the first start)", None))
    return format_html_join(
        " · ", "{}", ((format_html('<a href="{}">{}</a>', url, text) if url else text,)
                      for text, url in items))


class InjectFaultForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in sorted(FAULT_TARGETS)])
    target = forms.CharField(help_text="Equipment key, e.g. ahu-1, vav-03-south, chiller-1"
                                       " (sensor_bias: also equip.point)")
    severity = forms.FloatField(initial=0.5, min_value=0.01, max_value=1)
    onset = forms.DateTimeField(required=False, help_text="UTC, e.g. 2026-12-01 15:00;"
                                                          " empty = now")
    ramp_minutes = forms.IntegerField(initial=0, min_value=0)
    end = forms.DateTimeField(required=False, help_text="UTC; empty = open-ended")
    # The spec's rules check these (faults_runtime.inject): the form only offers the choices.
    mode = forms.ChoiceField(
        required=False, choices=[("", "(the kind's default)")] + [
            (f, f) for f in sorted({f for modes in FAULT_MODES.values() for f in modes})],
        help_text="; ".join(f"{k}: {', '.join(v)}" for k, v in FAULT_MODES.items()))
    magnitude = forms.FloatField(required=False, help_text="Size at severity 1 in the kind's"
                                                           " unit; empty = the kind's default")

    def clean_mode(self):
        return self.cleaned_data["mode"] or None


@admin.action(description="Inject a fault into selected simulators")
def inject_fault(modeladmin, request, queryset):
    form = InjectFaultForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, refused = [], []
        for simulator in queryset.select_related("org"):
            try:
                faults_runtime.inject(simulator, user=request.user, **form.cleaned_data)
                done.append(simulator.poller_name)
            except ServiceError as exc:
                refused.append(f"{simulator.poller_name}: {exc}")
        if done:
            modeladmin.message_user(request, f"Fault injected: {', '.join(done)}",
                                    messages.SUCCESS)
        if refused:
            modeladmin.message_user(request, f"Not injected: {'; '.join(refused)}",
                                    messages.WARNING)
        return None  # back to the list
    return TemplateResponse(request, "admin/simulator_app/inject_fault.html", {
        **modeladmin.admin_site.each_context(request),
        "title": "Inject a fault", "form": form, "simulators": queryset,
        "action": "inject_fault", "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    })
