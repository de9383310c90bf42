"""The restoration measures of the cost model, declared as a table (see RECIPES.md).

Plain Python, no compiled code: ``sim.keys`` builds the parameter record from it, the engine
draws one cost factor per row, the breakdown shows one item per row; the equations of each
measure are in :func:`sim.model.cost.unit_costs_cny`.
"""

from __future__ import annotations

from typing import NamedTuple


def N_(message: str) -> str:
    """Mark a measure's label for the message catalogue (translated where it is shown)."""
    return message


class Measure(NamedTuple):
    """One restoration measure of the cost model (see RECIPES.md, "How to add a measure").

    ``name`` keys its cost factor (``cost_factor`` stream, SPEC §0), its item in the cost
    breakdown and bill (``sim.breakdown``) and the validation's ``compare`` lists; ``label`` is
    shown to people (catalogue-marked). ``params`` maps each resolved input the measure adds to
    its parameter of the library (``sim/params/*.toml``, e.g. ``"cost.wall_cutback_unit_cost"``),
    ``by_substrate`` each one that depends on the site's rock to the prefix of its parameters,
    one per substrate of ``substrates.toml`` (``"cost.wall_bench_face_angle"`` reads
    ``cost.wall_bench_face_angle.granite`` for a granite site). Keys already declared in
    ``sim/keys.py`` may be named again.
    """

    name: str
    label: str
    params: dict[str, str] = {}  # noqa: RUF012 (a NamedTuple default, never mutated)
    by_substrate: dict[str, str] = {}  # noqa: RUF012


#: the measures, in the order of their cost factors: a new measure goes at the END, so that its
#: factor takes the next normal of the ``cost_factor`` stream and no existing draw shifts
MEASURES: tuple[Measure, ...] = (
    Measure("regrading", N_("Regrading (floors, dumps)")),
    Measure("soil", N_("Soil cover (re-spread + import)")),
    Measure("revegetation", N_("Revegetation (planting, seeding)")),
    Measure("amendment", N_("Substrate amendment")),
    Measure(
        "wall_greening",
        N_("Wall greening"),
        params={
            "wall_hung_net_cost_cny_per_m2": "cost.wall_greening.hung_net",
            "wall_thick_layer_cost_cny_per_m2": "cost.wall_greening.thick_layer",
            "wall_thick_layer_above_deg": "cost.wall_thick_layer_above",
        },
        by_substrate={"wall_spray_share": "cost.wall_spray_share"},
    ),
    Measure("drainage", N_("Drainage")),
    Measure("demolition", N_("Demolition (infrastructure)")),
    Measure("aftercare", N_("Aftercare and monitoring")),
    Measure(
        "cutback",
        N_("Slope cut-back and scaling"),
        params={
            "wall_bench_height_m": "cost.wall_bench_height",
            "wall_cutback_cost_cny_per_m3": "cost.wall_cutback_unit_cost",
            "wall_scaling_cost_cny_per_m2": "cost.wall_scaling_unit_cost",
            "wall_soil_slope_max_deg": "cost.wall_soil_slope_max",
        },
        by_substrate={"wall_bench_face_deg": "cost.wall_bench_face_angle"},
    ),
    Measure(
        "wall_benches",
        N_("Bench planting troughs (soil, climbers)"),
        params={"wall_trough_cost_cny_per_m": "cost.wall_trough_unit_cost"},
    ),
    Measure(
        "wall_drains",
        N_("Wall drains and retaining walls"),
        params={
            "wall_ditch_m_per_m": "cost.wall_ditch_length",
            "wall_ditch_cost_cny_per_m": "cost.wall_ditch_unit_cost",
            "wall_retaining_m_per_m": "cost.wall_retaining_length",
            "wall_retaining_cost_cny_per_m": "cost.wall_retaining_unit_cost",
        },
    ),
)
