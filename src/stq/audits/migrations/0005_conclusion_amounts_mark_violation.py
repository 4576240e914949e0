"""A conclusion whose findings assess amounts marks the violation (issue 16 item 14; domain B6.2, form 20).

The rule spans two tables (a conclusion and its findings), which a CHECK cannot express: a constraint trigger on both
tables refuses, at the end of each statement, a non-legacy conclusion with has_violations = false that has a finding
with amounts. Conclusions already stored that way are marked first. The trigger is PostgreSQL's (production and the
test suite); the embedded SQLite of the demo gets the marking only, and the service keeps the rule there."""

from django.db import migrations

AMOUNTS = "f.import_duty + f.vat + f.excise + f.environmental + f.trade_remedy + f.fine + f.late_interest"

MARK = f"""
UPDATE audits_auditconclusion SET has_violations = true
 WHERE NOT has_violations AND EXISTS (
   SELECT 1 FROM audits_conclusionfinding f WHERE f.conclusion_id = audits_auditconclusion.id AND {AMOUNTS} > 0)"""

TRIGGER = f"""
CREATE FUNCTION audits_conclusion_amounts_mark_violation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target bigint;
BEGIN
  IF TG_TABLE_NAME = 'audits_conclusionfinding' THEN
    target := NEW.conclusion_id;
  ELSE
    target := NEW.id;
  END IF;
  IF EXISTS (SELECT 1 FROM audits_auditconclusion c JOIN audits_conclusionfinding f ON f.conclusion_id = c.id
              WHERE c.id = target AND NOT c.has_violations AND NOT c.legacy AND {AMOUNTS} > 0) THEN
    RAISE EXCEPTION 'A conclusion with amounts assessed must mark the violation (conclusion %)', target
      USING ERRCODE = 'check_violation', CONSTRAINT = 'audit_conclusion_amounts_mark_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER audit_conclusion_amounts_mark_violation
  AFTER INSERT OR UPDATE ON audits_conclusionfinding
  DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION audits_conclusion_amounts_mark_violation();

CREATE CONSTRAINT TRIGGER audit_conclusion_marks_violation
  AFTER UPDATE OF has_violations, legacy ON audits_auditconclusion
  DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION audits_conclusion_amounts_mark_violation();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_conclusion_marks_violation ON audits_auditconclusion;
DROP TRIGGER IF EXISTS audit_conclusion_amounts_mark_violation ON audits_conclusionfinding;
DROP FUNCTION IF EXISTS audits_conclusion_amounts_mark_violation();
"""


def forward(apps, schema_editor):
    schema_editor.execute(MARK, params=None)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0004_decision_approval'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
