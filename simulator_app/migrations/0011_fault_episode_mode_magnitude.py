"""An injected fault's mode and magnitude, stored on its FaultEpisode (hsim's own table) when
it is injected, so listing it no longer depends on finding its fault in the spec or in the
newest configuration epochs. Rows written before stay NULL: their form is still looked up in
the spec (services.faults_runtime.describe)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("simulator_app", "0010_fleets"),
    ]

    operations = [
        migrations.AddField(
            model_name="faultepisode",
            name="mode",
            field=models.CharField(
                blank=True, max_length=20, null=True,
                help_text="the fault's form (spec faults[].mode, the kind's default if none was"
                          " given); empty for kinds with one form; NULL: not recorded (before"
                          " 0011)"),
        ),
        migrations.AddField(
            model_name="faultepisode",
            name="magnitude",
            field=models.FloatField(
                blank=True, null=True,
                help_text="size at severity 1 in the kind's unit (the one given, else the kind's"
                          " default); NULL for kinds without one, or not recorded when mode is"
                          " NULL"),
        ),
    ]
