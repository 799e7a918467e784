"""Bounded work (issue 9): backfill admission looks up a simulator's queued jobs (overlap, the
org's quota of queued intervals) on every backfill request; index them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("simulator_app", "0005_hashed_tokens")]
    operations = [
        migrations.AddIndex(
            model_name="backfilljob",
            index=models.Index(fields=["simulator", "status"], name="backfill_sim_status"),
        ),
    ]
