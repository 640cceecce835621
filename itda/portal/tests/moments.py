"""Fixed moments in Seoul that the portal tests freeze "now" to."""

from __future__ import annotations

from datetime import datetime

from itda.programs.hours import SEOUL

# A Tuesday morning: the Gangbuk Maeum convenience store (Mon–Fri 9–21, Sat 9–18) is open.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=SEOUL)
# A Sunday morning: it is closed and opens again on Monday at 9.
SUNDAY_MORNING = datetime(2026, 11, 29, 10, 0, tzinfo=SEOUL)
# Chuseok 2026 falls on a Friday, a day the store would otherwise be open.
CHUSEOK_MORNING = datetime(2026, 9, 25, 10, 0, tzinfo=SEOUL)
