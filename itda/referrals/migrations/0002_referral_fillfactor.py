"""Leave room on each PostgreSQL page of the referral table, so the overdue sweep's update stays a HOT update.

The sweep changes two unindexed columns of every overdue referral; with free space on the
page PostgreSQL writes the new row version beside the old one without touching any index.
SQLite has no such setting; the migration does nothing there.
"""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE referrals_referral SET (fillfactor = 70)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE referrals_referral RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
