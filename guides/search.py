"""Name search on the product's pages (Guides, Interviewers).

A term of several words matches when every word matches one of the fields, case-insensitive:
"Jamal Patel" finds the interviewer whose first name is Jamal and last name Patel, "patel
jamal" too, and "Jamal Patel" still finds a candidate whose stored full name is "Jamal A.
Patel". One word behaves as before (any field contains it). Like the single-word search it
replaces, this is `icontains` within one tenant's rows; the support console's exact id and
email look-ups (tenants/admin_kit.py) are separate and unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import or_

from django.db.models import Q

# More words than any name has; the rest of a pasted sentence is ignored, not searched.
MAX_WORDS = 8


def every_word_matches(term: str, fields: Sequence[str]) -> Q:
    """A filter: each word of `term` is contained in at least one of `fields`."""
    match = Q()
    for word in term.split()[:MAX_WORDS]:
        match &= reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields))
    return match
