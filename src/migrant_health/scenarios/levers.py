"""The policy levers of the seed's section 4: each lever's effect parameters, cost and reach.

Every ``policy.*`` lever is set in a unit a policy maker sets (a share of people reached, hours
of the week, a reimbursement rate, a relative quota); its effect per unit is a separate
parameter where the units differ. A lever's fiscal cost is ``policy.costs.<name>``, counted
over the people it reaches (:mod:`migrant_health.experiments.costs`):

- ``share``: the lever is a share reached; reached = the eligible persons x the share;
- ``intensity``: the cost is per eligible person per unit of the lever (a reimbursement rate);
  reached = the eligible persons while the lever is on;
- ``on``: reached = the eligible persons while the lever is on, whatever its size;
- ``extra``: reached = the eligible persons beyond the baseline's (extra insured, extra
  conversions) while the lever is on;
- ``added``: the lever is a coverage whose baseline is a parameter; reached = the eligible
  persons x the coverage added above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from migrant_health.setting_names import setting

Kind = Literal["share", "intensity", "on", "extra", "added"]

#: What each eligible-person count of a comparison's aggregates means (its reach).
ELIGIBLE = {
    "employed_out": "employed out-migrants (NBS out-migrant workers)",
    "migrant_workers": "migrant workers (out-migrant and local)",
    "out_migrants": "out-migrants",
    "sick_out": "out-migrants in poor self-rated health",
    "jobless_out": "out-migrants without a job",
    "returnees": "returnees at origin",
    "rural_residents": "people living at origin (stayers, local migrant workers, returnees)",
    "catastrophic": "catastrophic-spending events",
    "insured_out": "out-migrants insured at the destination, beyond the baseline",
    "conversions": "hukou conversions, beyond the baseline",
}


@dataclass(frozen=True)
class Lever:
    """One policy lever.

    Attributes:
        path: The lever's parameter path.
        effects: Parameters that convert one unit of the lever into the model's mechanism.
        mechanism: What it acts on in the model, in a few words.
        eligible: Key of :data:`ELIGIBLE`: who the lever reaches.
        kind: How the reach and the cost follow from the lever's value (module docstring).
        baseline: For ``added``: the parameter holding the baseline coverage.
    """

    path: str
    effects: tuple[str, ...]
    mechanism: str
    eligible: str
    kind: Kind = "share"
    baseline: str | None = None

    @property
    def name(self) -> str:
        """The lever's last path element (its cost is ``policy.costs.<name>``)."""
        return self.path.rsplit(".", 1)[1]

    @property
    def cost(self) -> str:
        """The path of its unit cost."""
        return f"policy.costs.{self.name}"


FE = "policy.fair_employment."
PS = "policy.public_services."
MG = "policy.management."
RE = "policy.return_entrepreneurship."

LEVERS: tuple[Lever, ...] = (
    Lever(
        FE + "hours_reduction",
        (FE + "hours_earnings_elasticity",),
        "usual weekly hours of migrant workers (overwork depletes health; pay falls with hours)",
        "migrant_workers",
        "on",
    ),
    Lever(
        FE + "wage_protection",
        (FE + "wage_protection_effect",),
        "yearly chance of wage arrears in migrant workers' informal jobs",
        "migrant_workers",
    ),
    Lever(
        FE + "contract_enforcement",
        (FE + "contract_enforcement_effect",),
        "log-odds of a formal (written-contract) job",
        "employed_out",
    ),
    Lever(
        FE + "social_insurance_enforcement",
        (FE + "social_insurance_effect",),
        "yearly enrolment of formal out-migrants in the employee medical scheme",
        "employed_out",
    ),
    Lever(
        FE + "training_coverage",
        (FE + "training_premium",),
        "log earnings of trained migrant workers",
        "migrant_workers",
    ),
    Lever(
        FE + "vulnerable_protection",
        (FE + "vulnerable_protection_effect",),
        "log-odds of return of sick out-migrants (illness-driven return)",
        "sick_out",
    ),
    Lever(
        FE + "workplace_safety",
        (FE + "workplace_safety_effect",),
        "health depletion of migrant workers' hazardous informal jobs",
        "migrant_workers",
    ),
    Lever(
        FE + "equal_pay",
        (FE + "equal_pay_effect",),
        "log earnings of out-migrants (the hukou pay gap)",
        "employed_out",
    ),
    Lever(
        PS + "resident_scheme_access",
        (),
        "openness of the destination's resident medical scheme to out-migrants",
        "insured_out",
        "extra",
    ),
    Lever(
        PS + "portability",
        (),
        "share of the rural scheme's reimbursement paid in the city",
        "out_migrants",
        "on",
    ),
    Lever(
        PS + "reimbursement_raise",
        (),
        "the rural scheme's reimbursement rate (care use, out-of-pocket spending, access)",
        "rural_residents",
        "intensity",
    ),
    Lever(
        PS + "medical_assistance",
        (),
        "out-of-pocket spending above the catastrophic threshold refunded (supplementary "
        "tiers; not urban locals)",
        "catastrophic",
        "intensity",
    ),
    Lever(
        PS + "health_record_outreach",
        (PS + "health_record_outreach_effect",),
        "log-odds of holding a destination health record",
        "out_migrants",
    ),
    Lever(
        PS + "employment_services",
        (PS + "employment_services_effect",),
        "log-odds of a job for out-migrants without one last year",
        "jobless_out",
    ),
    Lever(
        MG + "residence_permit_coverage",
        (MG + "permit_service_access",),
        "permit holders' identity; resident scheme and health records opened to holders",
        "out_migrants",
        "added",
        "integration.identity.permit_coverage",
    ),
    Lever(
        MG + "mental_health_services",
        (MG + "mental_health_effect",),
        "mental-health target of out-migrants (depressive symptoms, work, return)",
        "out_migrants",
    ),
    Lever(
        MG + "support_networks",
        (MG + "support_networks_effect",),
        "yearly growth of out-migrants' local ties",
        "out_migrants",
    ),
    Lever(
        MG + "hukou_openness",
        (),
        "out-migrants' chance of hukou conversion",
        "conversions",
        "extra",
    ),
    Lever(
        RE + "nonfarm_boost",
        (RE + "nonfarm_effect",),
        "returnees' non-farm work and businesses; a local job anchors them at origin",
        "returnees",
    ),
    Lever(
        RE + "rural_service_access",
        (RE + "rural_service_effect",),
        "access to care (health recovery) of people at origin",
        "rural_residents",
    ),
)


def lever(path: str) -> Lever | None:
    """The lever at ``path``, or ``None`` for a parameter that is no lever."""
    return next((item for item in LEVERS if item.path == path), None)


def levers_from_the_start(first_years: dict[str, int | None]) -> list[str]:
    """The levers a scenario sets from the base year on without saying so: a plain value,
    which holds in every year.

    Such a reform also rewrites the calibrated years since 2008 (the run no longer matches the
    national statistics of the past) and its costs count from 2008, where the shipped
    scenarios start in 2025; usually a year was meant (``{2025: 0.8}``). A first year written
    out, even one at or before the first simulated year (``{2008: 0.8}``), is a choice made on
    purpose and is not listed: that is how a reform meant to hold since 2008 is written without
    a warning.

    Args:
        first_years: Each override's first year (:meth:`Scenario.first_years`; ``None``: every
            year).
    """
    return [path for path, year in first_years.items() if lever(path) is not None and year is None]


class LeverTimingWarning(UserWarning):
    """A scenario sets a policy lever from the first simulated year (see
    :func:`levers_from_the_start_message`); write the lever as ``{2008: value}`` for a reform
    meant to hold since 2008, and it is not issued."""


class IdleLeverWarning(UserWarning):
    """A scenario sets a lever from a year after the run's last: it changes nothing in the run
    (see :func:`idle_levers_message`)."""


def idle_levers_message(idle: dict[str, int], overrides: int, end: int, name: str) -> str | None:
    """The warning for levers that take effect only after ``end``, or ``None`` if none.

    Every shipped lever starts in 2025, so a short run of a shipped scenario equals the
    baseline; this says so instead of leaving a null effect unexplained.

    Args:
        idle: Each idle override's first year (:meth:`Scenario.idle_paths`).
        overrides: How many overrides the scenario has (all idle: the run is the baseline).
        end: The run's last year.
        name: The scenario's name or origin, for the message.
    """
    if not idle:
        return None
    keys = ", ".join(f"'{path}' (from {year})" for path, year in idle.items())
    if len(idle) == overrides:
        return (
            f"{name}: every key takes effect after {setting('end', end)} ({keys}); this run "
            f"equals the baseline. Use {setting('end', min(idle.values()))} or later."
        )
    verb = "s" if len(idle) == 1 else ""  # "it takes", "they take"
    return (
        f"{name}: {keys} take{verb} effect after {setting('end', end)} and change{verb} "
        "nothing in this run"
    )


def levers_from_the_start_message(
    first_years: dict[str, int | None], base_year: int, origin: str
) -> str | None:
    """The warning for levers a scenario sets from ``base_year`` on, or ``None`` if none.

    Args:
        first_years: Each override's first year (:meth:`Scenario.first_years`).
        base_year: The first simulated year.
        origin: Where the scenario came from (its file, or ``shipped:NAME``), for the message.
    """
    early = levers_from_the_start(first_years)
    if not early:
        return None
    keys = ", ".join(f"'{path}'" for path in early)
    return (
        f"{origin}: {keys} hold{'s' if len(early) == 1 else ''} from {base_year}, the first "
        f"simulated year (a value without a year holds in every year): the reform rewrites "
        f"the calibrated years since {base_year} too, and its costs count from then. Give the "
        f"year it starts, e.g. '{early[0]}: {{2025: ...}}' (or '{{{base_year}: ...}}' for a "
        f"reform meant to hold since {base_year}, which is not warned about)"
    )
