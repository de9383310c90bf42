"""Seeded synthetic portfolios of Hunan-style mining-right applications for benchmarks.

Fields are drawn from the typical new rights of model.md §8 (aggregate and limestone dominate;
0.5-9 Mt/yr; 5-21.5-year terms; density from the mineral table) as columns of a validated
:class:`sim.portfolio.Portfolio`, so 100,000 applications take well under a second to build and
a few tens of MB to hold.
"""

from __future__ import annotations

import numpy as np

from sim.portfolio import Portfolio

MINERALS = ("limestone", "sandstone", "dolomite", "granite", "aggregate", "lead_zinc")
MINERAL_WEIGHTS = (0.35, 0.2, 0.15, 0.1, 0.15, 0.05)


def synthetic_portfolio(n: int, seed: int = 0, life_scale: float = 1.0) -> Portfolio:
    """``n`` applications with ids ``SYN-000000`` …, reproducible from ``seed``.

    ``life_scale`` stretches the extraction lives (and so the horizons) for scaling runs.
    """
    rng = np.random.default_rng(seed)
    output = np.exp(rng.uniform(np.log(0.5), np.log(9.0), n))
    life = rng.uniform(5.0, 21.5, n) * life_scale
    reserves = output * life
    thickness = rng.uniform(25.0, 90.0, n)
    mineral = np.array(MINERALS, dtype=object)[rng.choice(len(MINERALS), n, p=MINERAL_WEIGHTS)]
    shares = rng.dirichlet([6.0, 2.0, 1.0, 0.5, 0.5], n)
    cols = {
        "proposal.id": np.array([f"SYN-{i:06d}" for i in range(n)], dtype=object),
        "proposal.name": np.array([f"Synthetic quarry {i}" for i in range(n)], dtype=object),
        "proposal.mineral": mineral,
        "proposal.method": np.full(n, "open_pit", dtype=object),
        "proposal.region": np.full(n, "south_hilly", dtype=object),
        "proposal.licensed_area_ha": reserves / (2.68 * thickness) * 110.0 + 10.0,
        "extraction.reserves_mt": reserves,
        "extraction.annual_output_mt": output,
        "extraction.ramp_up_years": rng.integers(0, 3, n).astype(float),
        "extraction.mined_thickness_m": thickness,
        "extraction.stripping_ratio": rng.uniform(0.0, 0.3, n),
        "extraction.dump_height_m": rng.uniform(10.0, 30.0, n),
        "extraction.infrastructure_area_ha": rng.uniform(1.0, 8.0, n),
        "site.mean_slope_deg": rng.uniform(5.0, 30.0, n),
        "site.final_highwall_slope_deg": rng.uniform(38.0, 58.0, n),
        "site.final_highwall_height_m": rng.uniform(20.0, 120.0, n),
        "site.soil_depth_cm": rng.uniform(10.0, 60.0, n),  # as sim/data/hunan-portfolio.toml
        "site.annual_precipitation_mm": rng.uniform(1200.0, 1700.0, n),
        "restoration.progressive_fraction": rng.uniform(0.0, 0.8, n),
        "restoration.progressive_lag_years": rng.integers(0, 4, n).astype(float),
        "restoration.closure_years": rng.integers(1, 4, n).astype(float),
        "restoration.monitoring_years": rng.integers(3, 6, n).astype(float),
        "restoration.topsoil_stripped": rng.random(n) < 0.8,
        "restoration.substrate_amendment": (mineral == "lead_zinc") & (rng.random(n) < 0.5),
        "finance.ore_price_cny_per_t": rng.uniform(40.0, 110.0, n),
        "finance.plan_restoration_cost_cny": reserves * rng.uniform(0.3, 1.2, n) * 1e6,
        "finance.fund_basis": np.where(
            rng.random(n) < 0.7, "plan_cost_by_output", "revenue_share"
        ).astype(object),
        "finance.fund_rate_of_revenue": rng.uniform(0.01, 0.04, n),
        "finance.bond_cny": np.where(rng.random(n) < 0.3, rng.uniform(1e6, 2e7, n), 0.0),
        "finance.fund_interest_rate": np.full(n, 0.02),
        "finance.discount_rate": np.full(n, 0.06),
        "finance.inflation_rate": np.full(n, 0.02),
        "finance.operator_default_hazard_per_year": rng.uniform(0.005, 0.04, n),
    }
    for lu, share in zip(
        ("forest", "grassland", "shrub", "farmland", "water"), shares.T, strict=True
    ):
        cols[f"restoration.target_land_use.{lu}"] = share
    lead = mineral == "lead_zinc"
    cols["finance.ore_price_cny_per_t"] = np.where(
        lead, rng.uniform(300.0, 1200.0, n), cols["finance.ore_price_cny_per_t"]
    )
    return Portfolio(cols, source="<synthetic portfolio>")


def kernel_inputs(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """What the compiled kernel takes for a synthetic chunk of ``n`` proposals (the benchmarks
    of the kernel alone): parameter matrix, keys, stream keys and the yearly growth and discount
    factors, as :mod:`sim.engine` prepares them."""
    import sim
    from sim import engine, rng
    from sim.params import load_library
    from sim.resolve import resolve_matrix

    portfolio = synthetic_portfolio(n, seed=seed)
    par = resolve_matrix(portfolio, sim.load_policy(), load_library())
    keys = rng.proposal_keys(seed, portfolio.ids)
    years = np.arange(int(par[:, engine._HORIZON_COL].max()))
    col = engine._COL
    return {
        "par": par,
        "keys": keys,
        "streams": rng.stream_keys(keys),
        "g_inf": (1.0 + par[:, col["inflation_rate"]])[:, None] ** years,
        "g_disc": 1.0 / (1.0 + par[:, col["discount_rate"]])[:, None] ** years,
        "g_int": 1.0 / (1.0 + par[:, col["fund_interest_rate"]])[:, None] ** years,
    }
