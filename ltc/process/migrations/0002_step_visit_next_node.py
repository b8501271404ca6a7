"""StepVisit.next_node: the step a record entered when it left a step, kept when the visit closes,
so the figures count conversion from the exits alone. Existing closed visits get it from the visit
their record opened at the same instant (step_sync closes and opens at one time). The indexes the
figures read are rebuilt after the fill."""

import django.db.models.deletion
from django.db import migrations, models

# Portable (SQLite and PostgreSQL): one indexed look-up (step_visit_record) per closed visit. A visit
# left the instant it was entered is not its own successor; of two visits entered at that instant,
# the one opened first is.
FILL_NEXT_NODE = (
    "UPDATE process_stepvisit SET next_node_id = (SELECT n.node_id FROM process_stepvisit n "
    "WHERE n.content_type_id = process_stepvisit.content_type_id AND n.object_id = process_stepvisit.object_id "
    "AND n.entered_at = process_stepvisit.left_at AND n.id <> process_stepvisit.id ORDER BY n.id LIMIT 1) "
    "WHERE left_at IS NOT NULL"
)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("process", "0001_process_map"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="stepvisit",
            name="step_visit_left",
        ),
        migrations.AddField(
            model_name="stepvisit",
            name="next_node",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="process.processnode",
            ),
        ),
        migrations.RunSQL(FILL_NEXT_NODE, reverse_sql=migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="stepvisit",
            index=models.Index(fields=["node", "left_at"], include=("seconds", "next_node"), name="step_visit_left"),
        ),
        migrations.AddIndex(
            model_name="stepvisit",
            index=models.Index(
                condition=models.Q(("left_at__isnull", True)), fields=["node", "entered_at"], name="step_visit_open"
            ),
        ),
    ]
