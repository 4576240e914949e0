"""API of the audits app (/api/v1/audit-proposals/, /api/v1/audit-cases/) along the case's life, each module with its
serializers: `proposals`, `cases`, `decisions`, `conclusions` (conclusion and handling). Errors: 409 state conflict,
400 with a code for a broken rule, 404 for what the user may not see."""
