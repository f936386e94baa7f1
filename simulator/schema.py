"""Declaration of the landing contract as the simulator writes it: sources, columns, kinds.

Each column has a *kind* that fixes both its internal representation (int64 codes, cents,
seconds) and how :mod:`simulator.writer` renders it (CSV/JSONL text or a Parquet type). The
column order here IS the file column order of the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHANNELS = ("app_store", "search_ads", "social_video", "info_feed", "affiliate", "referral",
            "offline_partner", "organic")
UNKNOWN_CHANNEL = "tiktok_ads"
PRODUCTS = ("consumer", "renovation", "education", "medical", "business")
TERMS = (3, 6, 12, 24)
EMPLOYMENT = ("salaried", "self_employed", "business_owner", "freelancer", "student", "retired",
              "unemployed")
APP_STATUS = ("submitted", "approved", "rejected", "cancelled")
REJECT_REASONS = ("age_policy", "employment_status", "insufficient_income", "low_bureau_score",
                  "thin_file", "high_debt_to_income", "internal_history", "fraud_check")
TOUCH_TYPES = ("impression", "click", "visit")
GENDERS = ("F", "M", "U")
PAY_CHANNELS = ("auto_debit", "app", "collection", "offline")
EVENT_TYPES = ("login", "offer_view", "apply_start", "repayment_view", "profile_update")
ACTION_TYPES = ("sms", "call", "email", "letter", "visit")
TARGETS = ("borrower", "emergency_contact", "third_party")
OUTCOMES = ("no_answer", "promise_to_pay", "paid", "refused", "wrong_number", "delivered")


@dataclass(frozen=True)
class Col:
    """One contract column.

    kind: id (int64, -1 = null, rendered prefix + zero padded), ts (local seconds), date (day
    number), money (cents), rate (1e-4 units), int, int32, cat (int64 code into ``cats``, -1 =
    null, len(cats) = the injected unknown value), str (object array of text).
    """

    name: str
    kind: str
    prefix: str = ""
    width: int = 0
    cats: tuple = ()
    unknown: str = ""


@dataclass(frozen=True)
class Source:
    name: str
    fmt: str  # csv | jsonl | parquet
    cols: tuple[Col, ...]
    sort_col: str  # rows of a day file are ordered by this column (then generation order)
    bad_kinds: tuple[str, ...] = field(default=())  # malformations allowed for this source

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.cols]

    def first(self, kind: str) -> Col | None:
        return next((c for c in self.cols if c.kind == kind), None)


def _id(name: str, prefix: str, width: int) -> Col:
    return Col(name, "id", prefix=prefix, width=width)


CAMPAIGN = "campaign_id"  # categories filled in by channels.CAMPAIGNS (see channels.py)


def build_sources(campaigns: tuple[str, ...]) -> dict[str, Source]:
    """Contract sources; ``campaigns`` are the campaign ids (a category list, coded int64)."""
    ch = Col("channel", "cat", cats=CHANNELS, unknown=UNKNOWN_CHANNEL)
    camp = Col("campaign_id", "cat", cats=campaigns)
    s = [
        Source("marketing_spend", "csv", (
            Col("spend_date", "date"), ch, camp, Col("impressions", "int"), Col("clicks", "int"),
            Col("spend_cny", "money")), "spend_date",
            ("bad_ts", "neg_amount", "unknown_channel", "missing_id")),
        Source("touchpoints", "jsonl", (
            _id("touch_id", "T", 10), _id("visitor_id", "V", 9), _id("user_id", "U", 8), ch, camp,
            Col("touch_type", "cat", cats=TOUCH_TYPES), Col("touched_at", "ts")), "touched_at",
            ("bad_ts", "unknown_channel", "missing_id")),
        Source("users", "csv", (
            _id("user_id", "U", 8), _id("visitor_id", "V", 9), Col("registered_at", "ts"),
            Col("full_name", "str"), Col("phone", "str"), Col("id_number", "str"),
            Col("birth_date", "date"), Col("gender", "cat", cats=GENDERS), Col("city", "str"),
            Col("city_tier", "int"), Col("occupation", "str"), Col("updated_at", "ts")),
            "updated_at", ("bad_ts", "missing_id")),
        Source("applications", "csv", (
            _id("application_id", "A", 9), _id("user_id", "U", 8), Col("applied_at", "ts"),
            Col("product", "cat", cats=PRODUCTS), Col("requested_amount", "money"),
            Col("term_months", "int"), Col("annual_income", "money"),
            Col("monthly_debt", "money"), Col("employment_type", "cat", cats=EMPLOYMENT),
            Col("bureau_score", "int"), Col("status", "cat", cats=APP_STATUS),
            Col("decided_at", "ts"), Col("approved_amount", "money"), Col("apr", "rate"),
            Col("reject_reason", "cat", cats=REJECT_REASONS), Col("updated_at", "ts")),
            "updated_at", ("bad_ts", "neg_amount", "missing_id")),
        Source("loans", "parquet", (
            _id("loan_id", "L", 9), _id("application_id", "A", 9), _id("user_id", "U", 8),
            Col("disbursed_at", "ts"), Col("principal", "money"), Col("apr", "rate"),
            Col("term_months", "int32"),
            Col("repayment_method", "cat", cats=("equal_installment",)), Col("updated_at", "ts")),
            "disbursed_at", ("neg_amount", "missing_id")),
        Source("installments", "parquet", (
            _id("loan_id", "L", 9), Col("installment_no", "int32"), Col("due_date", "date"),
            Col("principal_due", "money"), Col("interest_due", "money"), Col("fee_due", "money")),
            "loan_id", ("neg_amount", "missing_id")),
        Source("repayments", "parquet", (
            _id("payment_id", "P", 10), _id("loan_id", "L", 9), Col("installment_no", "int32"),
            Col("paid_at", "ts"), Col("principal_paid", "money"), Col("interest_paid", "money"),
            Col("fee_paid", "money"), Col("penalty_paid", "money"),
            Col("payment_channel", "cat", cats=PAY_CHANNELS)), "paid_at",
            ("neg_amount", "missing_id")),
        Source("app_events", "jsonl", (
            _id("event_id", "E", 10), _id("user_id", "U", 8),
            Col("event_type", "cat", cats=EVENT_TYPES), Col("occurred_at", "ts")), "occurred_at",
            ("bad_ts", "missing_id")),
        Source("collection_actions", "csv", (
            _id("action_id", "C", 9), _id("loan_id", "L", 9), Col("action_at", "ts"),
            Col("action_type", "cat", cats=ACTION_TYPES),
            Col("contact_target", "cat", cats=TARGETS),
            Col("outcome", "cat", cats=OUTCOMES), Col("agent_id", "id", prefix="AG", width=3)),
            "action_at", ("bad_ts", "missing_id")),
    ]
    return {x.name: x for x in s}
