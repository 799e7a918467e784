"""Configuration epochs (labels stay those of the spec that generated the data) and fault
episodes injected at run time."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("simulator_app", "0007_recovery")]

    operations = [
        migrations.CreateModel(
            name="FaultEpisode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=40)),
                ("target", models.CharField(help_text="catalogue key of equipment or point", max_length=255)),
                ("severity", models.FloatField()),
                ("onset", models.DateTimeField()),
                ("ramp_minutes", models.IntegerField(default=0)),
                ("end", models.DateTimeField(blank=True, null=True)),
                ("created_by", models.CharField(blank=True, default="", max_length=150)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("simulator", models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="fault_episodes", to="simulator_app.pollerconfig", to_field="poller_id")),
            ],
            options={"ordering": ["-onset", "-id"]},
        ),
        migrations.CreateModel(
            name="ConfigEpoch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("starts_at", models.DateTimeField(blank=True, null=True)),
                ("spec", models.JSONField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("simulator", models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="config_epochs", to="simulator_app.pollerconfig", to_field="poller_id")),
            ],
            options={
                "ordering": ["simulator", "starts_at"],
                "constraints": [models.UniqueConstraint(fields=("simulator", "starts_at"), name="uniq_config_epoch")],
            },
        ),
    ]
