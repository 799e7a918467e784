"""Recovery (issue 9): simulators stopped by a primary failure resume by themselves."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("simulator_app", "0006_bounded_work")]
    operations = [
        migrations.CreateModel(
            name="AutoResume",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("reason", models.TextField()),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField()),
                ("resumed_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("simulator", models.OneToOneField(
                    db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING,
                    related_name="auto_resume", to="simulator_app.pollerconfig",
                    to_field="poller_id")),
            ],
            options={"db_table": "hsim_auto_resume"},
        ),
    ]
