"""Agreement and label aggregation over long ratings tables (item, annotator, value).

Pure functions and crowd-kit-style estimators; see DESIGN.md, "Statistics".
"""

from .aggregation import DawidSkene, MajorityVote, SoftLabels
from .agreement import annotator_agreement, item_agreement
from .alpha import LEVELS, AlphaCI, alpha_ci, krippendorff_alpha
from .errors import EmocurateError, NoVariationError, StatsInputError
from .icc import ICC_FORMS, ccc, ccc_vs_mean, icc
from .kappa import cohen_kappa, fleiss_kappa, percent_agreement
from .report import AgreementReport, agreement_report, write_report
from .segments import SegmentAgreement, segment_agreement, segment_f1, segments_to_grid

__all__ = [
    "ICC_FORMS",
    "LEVELS",
    "AgreementReport",
    "AlphaCI",
    "DawidSkene",
    "EmocurateError",
    "MajorityVote",
    "NoVariationError",
    "SegmentAgreement",
    "SoftLabels",
    "StatsInputError",
    "agreement_report",
    "alpha_ci",
    "annotator_agreement",
    "ccc",
    "ccc_vs_mean",
    "cohen_kappa",
    "fleiss_kappa",
    "icc",
    "item_agreement",
    "krippendorff_alpha",
    "percent_agreement",
    "segment_agreement",
    "segment_f1",
    "segments_to_grid",
    "write_report",
]
