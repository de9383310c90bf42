"""Restoration fund, bond, operator default and unfunded public liability (SPEC.md §7).

Sources (model.md §5): the fund accrues either a share of revenue or — China's 2017 national
rule [S, 财建〔2017〕638号] — the approved plan's cost amortised in proportion to output; the
operator pays any shortfall while solvent; a walk-away leaves the restoration of everything
disturbed and not yet restored, plus the aftercare still owed, to the public, less the fund and
bond. Bonds are compared with the undiscounted third-party cost, as regulators do.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.model._compile import FASTMATH, stage

# --- compiled stages (one proposal-draw row at a time; inlined into sim.kernel's chunk loop)


@stage
def fund_step_cny(balance_cny, interest_growth, deposit_cny, spend_nominal_cny):
    """Fund at the end of a year (SPEC §7): ``B_t = max(0, B_{t-1}(1 + i) + (dep_t -
    spend_nom_t))``; the operator pays any shortfall while solvent. [CNY, nominal]"""
    return max(0.0, balance_cny * interest_growth + (deposit_cny - spend_nominal_cny))


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def fund_balances_cny(deposit_cny, spend_nominal_cny, interest_growth, out):
    """Fund balance ``out[r, t]`` at the end of each year of each row ``r`` from its deposits and
    nominal spending ``(n, n_years)`` and its ``interest_growth = 1 + fund_interest_rate``
    ``(n,)``, by :func:`fund_step_cny` (for re-running the fund alone, sim.feasibility)."""
    for r in range(deposit_cny.shape[0]):
        bal = 0.0
        for t in range(deposit_cny.shape[1]):
            bal = fund_step_cny(bal, interest_growth[r], deposit_cny[r, t], spend_nominal_cny[r, t])
            out[r, t] = bal


@stage
def default_year(default_uniform, hazard_per_year, never):
    """Year the operator walks away (SPEC §7): ``Y = max(1, ceil(ln(1 - u) / log1p(-h)))`` for
    ``0 < h < 1`` (``never`` when the ratio is not finite or h = 0), 1 for h >= 1."""
    if hazard_per_year >= 1.0:
        return np.int64(1)
    if hazard_per_year > 0.0:
        ratio = math.log(1.0 - default_uniform) / math.log1p(-hazard_per_year)
        if ratio < 1e15:
            return max(np.int64(1), np.int64(math.ceil(ratio)))
    return never


@stage
def cost_to_come_at_closure_cny(spend_nominal_cny, discount_by_year, life_years, n_years):
    """``K_L = Σ_{L < t < H} spend_nom_t / (1 + fund_interest_rate)^(t - L)`` (SPEC §7), with
    ``discount_by_year[j] = 1 / (1 + fund_interest_rate)^j``: what the fund must hold at the end
    of year L to pay every later bill as it falls due [CNY, nominal]."""
    need = 0.0
    for t in range(life_years + 1, n_years):
        need += spend_nominal_cny[t] * discount_by_year[t - life_years]
    return need
