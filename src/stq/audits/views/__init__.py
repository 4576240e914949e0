"""Pages of the audits app along the case's life: `proposals` (list, wizard, edit, page, buttons), `cases` (list,
case page, step buttons), `decisions` (the audit decision that opens the case, later decisions), `conclusions`
(conclusion, handling, complaints, documents), `board` (deadlines, late recordings). Thin: every write goes through
`services`; who may do what is asked of `workflow`."""
