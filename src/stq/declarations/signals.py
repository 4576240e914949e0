"""What the declarations app tells other apps.

`import_succeeded(sender=ImportJob, job=…)` is sent once a real (not dry-run) import has been merged and its job
saved as succeeded — e.g. the risk engine scans the new declarations for unusual transactions.
"""

from django.dispatch import Signal

import_succeeded = Signal()
