"""Ashby's webhook types and the labels the sandbox's "Event" dropdown shows for them.

Guide's Configure Webhooks page copies these labels so an admin sees the same words in both
products. The order is the dropdown's order. `jobCreate` and `jobUpdate` are offered, as in
Ashby's UI, although the spec's webhook.create enum omits them (docs/ashby.md §3); the sandbox's
webhook.create accepts every type listed here.
"""

from __future__ import annotations

WEBHOOK_TYPE_LABELS: dict[str, str] = {
    "applicationSubmit": "Application Submit",
    "applicationUpdate": "Application Update",
    "candidateHire": "Candidate Hire",
    "candidateStageChange": "Candidate Stage Change",
    "candidateDelete": "Candidate Delete",
    "candidateMerge": "Candidate Merge",
    "interviewPlanTransition": "Interview Plan Transition",
    "interviewScheduleCreate": "Interview Schedule Create",
    "interviewScheduleUpdate": "Interview Schedule Update",
    "jobCreate": "Job Create",
    "jobUpdate": "Job Update",
    "jobPostingUpdate": "Job Posting Update",
    "jobPostingPublish": "Job Posting Publish",
    "jobPostingUnpublish": "Job Posting Unpublish",
    "offerCreate": "Offer Create",
    "offerUpdate": "Offer Update",
    "offerDelete": "Offer Delete",
    "openingCreate": "Opening Create",
    "pushToHRIS": "Push To HRIS",
    "signatureRequestUpdate": "Signature Request Update",
    "surveySubmit": "Survey Submit",
}

# Ashby's "related webhooks" (docs/ashby.md §4): one user action sends the primary type and
# these, all with the same webhookActionId.
RELATED_WEBHOOKS: dict[str, tuple[str, ...]] = {
    "candidateStageChange": ("applicationUpdate",),
    "candidateHire": ("applicationUpdate", "candidateStageChange"),
    "interviewScheduleCreate": ("interviewScheduleUpdate",),
    "interviewPlanTransition": ("jobUpdate",),
    "jobPostingPublish": ("jobPostingUpdate",),
    "jobPostingUnpublish": ("jobPostingUpdate",),
}


def label(webhook_type: str) -> str:
    """The dropdown label of a webhook type (the type itself when unknown)."""
    return WEBHOOK_TYPE_LABELS.get(webhook_type, webhook_type)
