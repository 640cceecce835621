"""References shared by every FHIR export, so that a receiver can match resources about the same person.

A person appears in every exported resource as the same reference, ``Patient/person-<id>``,
never with a name or a number: a QuestionnaireResponse and the ServiceRequest of the
referral it led to name the same Patient. No Patient resource itself is exported.
"""

from __future__ import annotations

PATIENT_ID_PREFIX = "person-"


def patient_id(person_id: int) -> str:
    """The FHIR id of a person: ``person-<id>``."""
    return f"{PATIENT_ID_PREFIX}{int(person_id)}"


def patient_reference(person_id: int) -> dict[str, str]:
    """The FHIR Reference to a person, the same in every export: ``{"reference": "Patient/person-<id>"}``."""
    return {"reference": f"Patient/{patient_id(person_id)}"}
