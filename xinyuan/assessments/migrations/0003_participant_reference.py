"""A campaign participant's reference is scoped to its campaign (and no longer looked up as a
person's label). Existing participants keep their persons; their reference is the label the
person was created with."""

from django.db import migrations, models


def copy_labels(apps, schema_editor):
    Participant = apps.get_model("assessments", "Participant")
    taken: set[tuple[int, str]] = set()
    for participant in Participant.objects.select_related("person").order_by("pk").iterator():
        reference = (participant.person.label or "")[:40] or f"P-{participant.pk}"
        if (participant.campaign_id, reference) in taken:
            reference = f"{reference[:30]}-{participant.pk}"
        taken.add((participant.campaign_id, reference))
        Participant.objects.filter(pk=participant.pk).update(reference=reference)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_consent_time")]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="reference",
            field=models.CharField(default="", max_length=40, verbose_name="reference"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_labels, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                fields=("campaign", "reference"), name="participant_reference_once"
            ),
        ),
    ]
