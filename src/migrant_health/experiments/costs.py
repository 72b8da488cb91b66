"""Costs of a comparison's scenarios, the outcomes they buy, and the cost per outcome.

For each scenario and replicate (the replicate's parameter set with the scenario's levers on
it), every lever of :data:`~migrant_health.scenarios.levers.LEVERS` costs, in each year,

    persons reached x unit cost (``policy.costs.<lever>``)

where the persons reached follow from the lever's value and the eligible persons counted in
the run's own aggregates (the lever's ``kind``, :mod:`migrant_health.scenarios.levers`). Costs
are discounted at ``policy.costs.discount_rate`` to the scenario's first lever year ``t0`` (for
a scenario that turns no lever on, the first year it changes any parameter): a cost in year
``t`` counts ``(1 + r) ** -(t - t0)``. The outcomes gained against the baseline of
the same replicate (common random numbers) are summed over the same years and discounted at
the same rate, as the China Guidelines for Pharmacoeconomic Evaluations (2020) discount costs
and effects alike:

- poor-health person-years averted, depressive-symptom person-years averted and
  catastrophic-spending events averted, among rural-hukou adults (``group = all``): the
  baseline's count minus the scenario's (share x population);
- integration gained: out-migrants of the scenario x (its integration index - the baseline's),
  in index points 0-100 (person-years x points);
- deaths averted, where deaths respond to health (:data:`DEATHS_RESPOND`: in a comparison the
  scenario runs hold the baseline's mortality factors, so they do).

Each outcome has the mean over replicates and the 5th-95th percentile interval of the
per-replicate values (as the deltas); the cost per outcome is the mean cost over the mean
outcome gained (empty where nothing is gained, or nothing priced). Everything is SQL in DuckDB over
``aggregates.parquet``, plus a small table of lever values per scenario, replicate and year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from migrant_health.experiments.deltas import LOWER, UPPER, _connect, _quoted
from migrant_health.params import ParameterTree, Scenario
from migrant_health.scenarios.levers import ELIGIBLE, LEVERS

DISCOUNT_RATE = "policy.costs.discount_rate"
COST_COLUMNS = ("scenario", "lever", "unit", "reached_person_years", "cost_bn_cny_discounted")
EFFECTIVENESS_COLUMNS = (
    "scenario",
    "outcome",
    "unit",
    "averted",
    "averted_lo",
    "averted_hi",
    "cost_bn_cny_discounted",
    "cost_per_outcome_cny",
)
#: Outcome -> its unit in cost_effectiveness.parquet.
OUTCOMES = {
    "poor_health_person_years": "person-years of poor self-rated health averted (discounted)",
    "depressive_symptom_person_years": "person-years with depressive symptoms averted (discounted)",
    "catastrophic_spending_events": "catastrophic-spending events averted (discounted)",
    "integration_index_gained": "out-migrant person-years x integration index points 0-100 "
    "gained (discounted)",
    "deaths": "deaths averted (discounted)",
}
TOTAL = "total"
#: Whether deaths respond to health in a comparison's scenario runs. They do (issue 11, item
#: 2b): a comparison holds each replicate's baseline mortality renormalisation factors fixed in
#: its scenario runs, so a healthier scenario has fewer deaths. A run renormalised to the life
#: table on its own would change who dies but not how many: pass ``deaths=False`` for such runs.
DEATHS_RESPOND = True
#: The aggregates a cost or an outcome is computed from: column -> (metric, group).
COUNTS = {
    "employed_out": ("migrant_workers_out", "all"),
    "migrant_workers": ("migrant_workers_total", "all"),
    "out_migrants": ("population", "status=out_migrant"),
    "poor_out_share": ("poor_health_share", "status=out_migrant"),
    "employment_rate": ("employment_rate_out_migrants", "all"),
    "returnees": ("population", "status=returned"),
    "rural_residents": ("population", "residence=rural"),
    "population": ("population", "all"),
    "catastrophic_share": ("catastrophic_spending_share", "all"),
    "insured_share": ("insured_destination_share", "all"),
    "conversions": ("hukou_conversions", "all"),
    "poor_share": ("poor_health_share", "all"),
    "depressed_share": ("depression_share", "all"),
    "index": ("integration_index", "all"),
    "deaths": ("deaths", "all"),
}


def first_changed_year(scenario: Scenario, years: range) -> int | None:
    """The first reported year in which ``scenario`` changes any parameter (a value without a
    year: from the first), or ``None`` if it changes nothing within ``years``."""
    firsts = [years.start if y is None else y for y in scenario.first_years().values()]
    within = [max(year, years.start) for year in firsts if year < years.stop]
    return min(within) if within else None


def lever_values(
    runs: Sequence[tuple[str, int, Scenario | None]],
    years: range,
    baseline: str,
    starts: Mapping[str, int | None] | None = None,
) -> pd.DataFrame:
    """Each lever's value, unit cost and discount factor by scenario, replicate and year.

    Args:
        runs: ``(scenario name, replicate, the run's scenario)`` for every run (the run's
            scenario: the replicate's parameter set with the scenario's levers stacked on it).
        years: The years the runs report.
        baseline: The reference scenario's name (it has no lever, hence no cost).
        starts: Each scenario's first changed year (:func:`first_changed_year` of the scenario
            alone, without the replicate's parameter set): the window of a scenario that turns
            no lever on, a change of behavioural parameters, whose outcomes gained were lost.

    Returns:
        Columns ``scenario, replicate, year, lever, unit, kind, eligible, value, unit_cost,
        discount`` (``discount`` 0 before the scenario's first lever year).
    """
    defaults = ParameterTree.load()
    rows = []
    for name, replicate, scenario in runs:
        tree = scenario.apply(defaults) if scenario is not None else defaults
        values = {
            (lever.path, year): _effective_value(tree, lever.path, year)
            for lever in LEVERS
            for year in years
        }
        active = [year for (_, year), value in values.items() if value > 0]
        first = min(active) if active else (starts or {}).get(name)
        if name == baseline:
            first = None
        rate = tree.scalar(DISCOUNT_RATE, first) if first is not None else 0.0
        for lever in LEVERS:
            for year in years:
                discount = (
                    (1.0 + rate) ** -(year - first) if first is not None and year >= first else 0.0
                )
                rows.append(
                    (
                        name,
                        replicate,
                        year,
                        lever.path,
                        tree.spec(lever.cost).unit,
                        lever.kind,
                        lever.eligible,
                        values[(lever.path, year)],
                        tree.scalar(lever.cost, year),
                        discount,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "replicate",
            "year",
            "lever",
            "unit",
            "kind",
            "eligible",
            "value",
            "unit_cost",
            "discount",
        ],
    )


def _effective_value(tree: ParameterTree, path: str, year: int) -> float:
    """A lever's value as its reach uses it (see :mod:`migrant_health.scenarios.levers`)."""
    value = float(tree.scalar(path, year))
    if path == "policy.management.residence_permit_coverage":
        # The permits reform adds: coverage above the baseline's.
        return max(0.0, value - float(tree.scalar("integration.identity.permit_coverage", year)))
    if path == "policy.public_services.resident_scheme_access":
        # The resident scheme also opens to holders of permits added by reform.
        added = _effective_value(tree, "policy.management.residence_permit_coverage", year)
        return value + added * float(tree.scalar("policy.management.permit_service_access", year))
    return value


def _counts_sql(aggregates: Path) -> str:
    """SQL of one row per scenario, replicate and year with the counts of :data:`COUNTS`."""
    columns = ",\n".join(
        f"max(value) FILTER (WHERE metric = '{metric}' AND \"group\" = '{group}') AS {name}"
        for name, (metric, group) in COUNTS.items()
    )
    return f"""
        SELECT scenario, replicate, year, {columns}
        FROM read_parquet({_quoted(aggregates)})
        WHERE "group" IN ({", ".join(sorted({f"'{g}'" for _, g in COUNTS.values()}))})
        GROUP BY scenario, replicate, year
    """


def compute_costs(
    aggregates: Path,
    values: pd.DataFrame,
    scenarios: Sequence[str],
    baseline: str,
    *,
    deaths: bool = DEATHS_RESPOND,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cost table and the cost-effectiveness table of a comparison.

    Args:
        aggregates: The comparison's ``aggregates.parquet``.
        values: :func:`lever_values` of every run.
        scenarios: Scenario names in the order of the rows.
        baseline: The reference scenario's name.
        deaths: Whether to report deaths averted (only where deaths respond to health,
            :data:`DEATHS_RESPOND`).

    Returns:
        ``(costs, cost_effectiveness)`` with the columns of :data:`COST_COLUMNS` and
        :data:`EFFECTIVENESS_COLUMNS`; costs have one row per scenario and lever it sets, and
        a ``total`` row per scenario (the baseline's is 0).
    """
    eligible = ", ".join(ELIGIBLE)
    with _connect() as connection:
        connection.register("lever_values", values)
        connection.execute(
            f"""
            CREATE TEMP TABLE counts AS {_counts_sql(aggregates)};
            CREATE TEMP TABLE eligible AS
            UNPIVOT (
                SELECT scenario, replicate, year, employed_out, migrant_workers, out_migrants,
                       coalesce(poor_out_share, 0) * out_migrants AS sick_out,
                       (1 - coalesce(employment_rate, 1)) * out_migrants AS jobless_out,
                       returnees, rural_residents,
                       coalesce(catastrophic_share, 0) * population AS catastrophic,
                       coalesce(insured_share, 0) * out_migrants AS insured_out, conversions
                FROM counts
            ) ON {eligible} INTO NAME eligible VALUE persons;
            CREATE TEMP TABLE lever_costs AS
            WITH joined AS (
                SELECT v.*, coalesce(e.persons, 0) AS persons,
                       coalesce(b.persons, 0) AS baseline_persons
                FROM lever_values AS v
                LEFT JOIN eligible AS e USING (scenario, replicate, year, eligible)
                LEFT JOIN eligible AS b
                    ON b.scenario = $baseline AND b.replicate = v.replicate
                    AND b.year = v.year AND b.eligible = v.eligible
            ),
            reached AS (
                SELECT *,
                    CASE WHEN value <= 0 THEN 0
                         WHEN kind IN ('share', 'added') THEN persons * value
                         WHEN kind = 'extra' THEN greatest(0, persons - baseline_persons)
                         ELSE persons END AS reached
                FROM joined
            )
            SELECT scenario, replicate, lever, any_value(unit) AS unit,
                   sum(CASE WHEN discount > 0 THEN reached ELSE 0 END) AS reached,
                   sum(discount * unit_cost
                       * CASE WHEN kind = 'intensity' THEN reached * value ELSE reached END)
                       AS cost
            FROM reached
            GROUP BY scenario, replicate, lever;
            """,
            {"baseline": baseline},
        )
        costs = connection.execute(
            f"""
            WITH per_lever AS (
                SELECT scenario, lever, any_value(unit) AS unit,
                       avg(reached) AS reached_person_years,
                       avg(cost) / 1e9 AS cost_bn_cny_discounted
                FROM lever_costs GROUP BY scenario, lever
            ),
            totals AS (
                SELECT scenario, '{TOTAL}' AS lever, 'CNY' AS unit,
                       CAST(NULL AS DOUBLE) AS reached_person_years,
                       avg(cost) / 1e9 AS cost_bn_cny_discounted
                FROM (SELECT scenario, replicate, sum(cost) AS cost
                      FROM lever_costs GROUP BY scenario, replicate)
                GROUP BY scenario
            )
            SELECT * FROM per_lever WHERE reached_person_years > 0
            UNION ALL SELECT * FROM totals
            ORDER BY list_position($order, scenario), lever = '{TOTAL}', lever
            """,
            {"order": list(scenarios)},
        ).df()
        effectiveness = connection.execute(
            f"""
            WITH discount AS (
                SELECT DISTINCT scenario, replicate, year, discount FROM lever_values
                WHERE discount > 0
            ),
            yearly AS (
                SELECT s.scenario, s.replicate, d.discount,
                    b.poor_share * b.population - s.poor_share * s.population AS poor,
                    b.depressed_share * b.population - s.depressed_share * s.population
                        AS depressed,
                    b.catastrophic_share * b.population - s.catastrophic_share * s.population
                        AS catastrophic,
                    s.out_migrants * (s."index" - b."index") * 100 AS integration,
                    b.deaths - s.deaths AS deaths
                FROM counts AS s
                JOIN counts AS b
                    ON b.scenario = $baseline AND b.replicate = s.replicate AND b.year = s.year
                JOIN discount AS d
                    ON d.scenario = s.scenario AND d.replicate = s.replicate AND d.year = s.year
                WHERE s.scenario <> $baseline
            ),
            per_replicate AS (
                SELECT scenario, replicate,
                       sum(discount * poor) AS poor_health_person_years,
                       sum(discount * depressed) AS depressive_symptom_person_years,
                       sum(discount * catastrophic) AS catastrophic_spending_events,
                       sum(discount * integration) AS integration_index_gained,
                       sum(discount * deaths) AS deaths
                FROM yearly GROUP BY scenario, replicate
            ),
            outcomes AS (
                UNPIVOT per_replicate ON {", ".join(OUTCOMES)} INTO NAME outcome VALUE averted
            ),
            with_cost AS (
                SELECT o.*, coalesce(c.cost, 0) AS cost
                FROM outcomes AS o
                LEFT JOIN (SELECT scenario, replicate, sum(cost) AS cost
                           FROM lever_costs GROUP BY scenario, replicate) AS c
                    USING (scenario, replicate)
            ),
            summary AS (
                SELECT scenario, outcome,
                       avg(averted) AS averted,
                       quantile_cont(averted, {LOWER}) AS averted_lo,
                       quantile_cont(averted, {UPPER}) AS averted_hi,
                       avg(cost) / 1e9 AS cost_bn_cny_discounted,
                       -- No price where nothing is gained, nor where nothing is priced (a
                       -- scenario of behavioural parameters): 0 CNY would read "free".
                       CASE WHEN avg(averted) > 0 AND avg(cost) > 0
                           THEN avg(cost) / avg(averted) END AS cost_per_outcome_cny
                FROM with_cost GROUP BY scenario, outcome
            )
            SELECT scenario, outcome, averted, averted_lo, averted_hi, cost_bn_cny_discounted,
                   cost_per_outcome_cny
            FROM summary
            WHERE outcome <> 'deaths' OR $deaths
            ORDER BY list_position($order, scenario), list_position($outcomes, outcome)
            """,
            {
                "baseline": baseline,
                "outcomes": list(OUTCOMES),
                "order": list(scenarios),
                "deaths": deaths,
            },
        ).df()
    effectiveness.insert(2, "unit", effectiveness["outcome"].map(OUTCOMES))
    return costs[list(COST_COLUMNS)], effectiveness[list(EFFECTIVENESS_COLUMNS)]
