"""itda's analytics: pure functions over plain data and Polars frames.

No Django, no ORM, no network and no file access here: callers pass data and an
explicit "as of" moment in, and get plain results back. The ``insights`` side of
the Django project is the bridge that extracts rows and stores results.
"""

from analytics._eligibility import (
    FACT_SCHEMA,
    FIELDS,
    HOUSING_TYPES,
    OPERATORS,
    PERSON_FACTS,
    RENTING_TENURES,
    TENURES,
    FeeQuote,
    FieldSpec,
    MedianIncomeTable,
    PersonResult,
    RuleError,
    RuleOutcome,
    Verdict,
    combine,
    eligibility_expression,
    evaluate_person,
    evaluate_population,
    evaluate_rule,
    prepare_population,
    quote_fee,
    validate_rule,
    verdict_from_value,
)

__all__ = [
    "FACT_SCHEMA",
    "FIELDS",
    "HOUSING_TYPES",
    "OPERATORS",
    "PERSON_FACTS",
    "RENTING_TENURES",
    "TENURES",
    "FeeQuote",
    "FieldSpec",
    "MedianIncomeTable",
    "PersonResult",
    "RuleError",
    "RuleOutcome",
    "Verdict",
    "combine",
    "eligibility_expression",
    "evaluate_person",
    "evaluate_population",
    "evaluate_rule",
    "prepare_population",
    "quote_fee",
    "validate_rule",
    "verdict_from_value",
]
