"""Restoration fund, bond, operator default and unfunded public liability (SPEC.md §7).

Sources (model.md §5): the fund accrues either a share of revenue or — China's 2017 national
rule [S, 财建〔2017〕638号] — the approved plan's cost amortised in proportion to output; the
operator pays any shortfall while solvent; a walk-away leaves the restoration of everything
disturbed and not yet restored, plus the aftercare still owed, to the public, less the fund and
bond. Bonds are compared with the undiscounted third-party cost, as regulators do.
"""

from __future__ import annotations

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
