"""Derive the stored level of every agent who already had evidence (course completions before #8)."""

from django.db import migrations
from django.utils import timezone

from skills import rules


def backfill(apps, schema_editor):
    Evidence = apps.get_model("skills", "Evidence")
    CompetenceLevel = apps.get_model("skills", "CompetenceLevel")
    grouped = {}
    for agent_id, competence_id, level, source, observed_at, label in Evidence.objects.values_list(
        "agent_id", "competence_id", "level", "source", "observed_at", "label"
    ).iterator():
        grouped.setdefault((agent_id, competence_id), []).append(rules.Observation(level, source, observed_at, label))
    now = timezone.now()
    rows = []
    for (agent_id, competence_id), observations in grouped.items():
        decided = rules.derive_level(observations, now=now)
        if decided is not None:
            rows.append(
                CompetenceLevel(
                    agent_id=agent_id,
                    competence_id=competence_id,
                    level=decided.level,
                    source=decided.source,
                    label=decided.label,
                    observed_at=decided.observed_at,
                )
            )
    CompetenceLevel.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("skills", "0004_levels_targets_champions_pix")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
