"""Reserved slot in the migration chain (round 2): filled by the work it is named after.

Round-2 work proceeds in parallel; a fixed linear chain keeps one leaf node at every moment.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("simulator_app", "0006_bounded_work")]
    operations = []
