"""Fleets (a template spec and a seed that many simulators are made from) and per-org storage
policies (retention and compression of the value tables): issue 13."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('simulator_app', '0009_haystack'),
    ]

    operations = [
        migrations.CreateModel(
            name='Fleet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('seed', models.BigIntegerField()),
                ('template', models.JSONField(blank=True, default=dict)),
                ('presets', models.JSONField(blank=True, default=list, help_text='climate preset names')),
                ('interval_minutes', models.IntegerField(blank=True, null=True)),
                ('size', models.IntegerField(default=0, help_text='buildings asked for; members catch up')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('org', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='fleets', to='simulator_app.org')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='FleetMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('index', models.IntegerField()),
                ('fleet', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='simulator_app.fleet')),
                ('simulator', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='fleet_member', to='simulator_app.pollerconfig', to_field='poller_id')),
            ],
            options={
                'ordering': ['fleet_id', 'index'],
            },
        ),
        migrations.AddConstraint(
            model_name='fleet',
            constraint=models.UniqueConstraint(fields=('org', 'name'), name='uniq_fleet_name'),
        ),
        migrations.AddConstraint(
            model_name='fleetmember',
            constraint=models.UniqueConstraint(fields=('fleet', 'index'), name='uniq_fleet_member_index'),
        ),
        # Storage that lasts (issue 13): per-org retention and compression.
        migrations.CreateModel(
            name='OrgStoragePolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('retention_days', models.PositiveIntegerField(blank=True, help_text='rows older than this many days are dropped; 0 = keep forever; empty = HSIM_RETENTION_DAYS', null=True, validators=[django.core.validators.MaxValueValidator(36500)])),
                ('compress_after_days', models.PositiveIntegerField(blank=True, help_text='TimescaleDB compresses chunks older than this; 0 = never; empty = HSIM_COMPRESS_AFTER_DAYS', null=True, validators=[django.core.validators.MaxValueValidator(36500)])),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('org', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='storage_policy', to='simulator_app.org')),
            ],
            options={
                'verbose_name_plural': 'org storage policies',
            },
        ),
    ]
