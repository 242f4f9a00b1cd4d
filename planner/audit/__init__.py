"""Visit audit: risk flags on reported visits, scores per record and rep-day, a seeded
spot-check sample, and generated honest and fabricated days to measure it on."""

from planner.audit.audit import AuditReport, DayAudit, Flag, RecordAudit, audit, risk_sample
from planner.audit.thresholds import DEFAULT_WEIGHTS, FLAG_CODES, FlagCode, Thresholds
from planner.audit.visit import (
    MET_OUTCOMES,
    OUTCOMES,
    BuildingPlace,
    LeadPlace,
    Outcome,
    RepDay,
    VisitRecord,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "FLAG_CODES",
    "MET_OUTCOMES",
    "OUTCOMES",
    "AuditReport",
    "BuildingPlace",
    "DayAudit",
    "FlagCode",
    "Flag",
    "LeadPlace",
    "Outcome",
    "RecordAudit",
    "RepDay",
    "Thresholds",
    "VisitRecord",
    "audit",
    "risk_sample",
]
