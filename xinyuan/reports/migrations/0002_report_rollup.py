"""The daily rollup of the work report's figures and the marks of stale days (decision 0017);
the triggers that write the marks are in ``xinyuan.reports.triggers``."""

import django.db.models.deletion
from django.db import migrations, models


def drop_triggers(apps, schema_editor):
    from xinyuan.reports.triggers import drop_triggers

    drop_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_local_area'),
        ('cases', '0006_caller_notes_and_follow_up_in_contact'),
        ('hotline', '0015_call_event_time_index'),
        ('reports', '0001_work_report_sign_off'),
    ]

    operations = [
        migrations.CreateModel(
            name='StaleReportDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('organisation_id', models.BigIntegerField()),
                ('at', models.DateTimeField()),
            ],
            options={
                'indexes': [models.Index(fields=['organisation_id', 'at'], name='stale_report_org_at')],
            },
        ),
        migrations.CreateModel(
            name='DailyCentreStats',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('definition', models.CharField(blank=True, max_length=40)),
                ('computed_at', models.DateTimeField(null=True)),
                ('contacts', models.PositiveIntegerField(default=0)),
                ('phone_contacts', models.PositiveIntegerField(default=0)),
                ('high_crisis', models.PositiveIntegerField(default=0)),
                ('difficult', models.PositiveIntegerField(default=0)),
                ('repeated', models.PositiveIntegerField(default=0)),
                ('uncoded', models.PositiveIntegerField(default=0)),
                ('problems', models.JSONField(default=dict)),
                ('call_events', models.PositiveIntegerField(default=0)),
                ('calls_offered', models.PositiveIntegerField(default=0)),
                ('calls_answered', models.PositiveIntegerField(default=0)),
                ('local_calls', models.PositiveIntegerField(default=0)),
                ('non_local_calls', models.PositiveIntegerField(default=0)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('organisation', 'day'), name='daily_stats_once')],
            },
        ),
        # The triggers are installed after every migrate (reports.triggers, post_migrate): a
        # later migration that rebuilds a table on SQLite drops its triggers.
        migrations.RunPython(migrations.RunPython.noop, drop_triggers),
    ]
