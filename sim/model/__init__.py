"""The science of restoresim, written once: compiled stages, pure, no I/O and no state.

Each stage is a small numba function (``sim.model._compile.stage``) with units in its argument
names and its SPEC equation in its docstring, working on one (proposal, draw) row; the engine's
chunk loop (``sim.kernel``) calls them, inlined, and the cost breakdown and the feasibility
search call them too. Under ``NUMBA_DISABLE_JIT=1`` they are plain Python. The exact arithmetic
is fixed in ``SPEC.md`` beside this file; ``sim/reference.py`` implements the same equations
independently, with plain loops, as the oracle.

Modules, one per SPEC section: ``schedule`` (§2-4: extraction, pit, restoration pattern),
``cost`` (§5), ``recovery`` (§6), ``finance`` (§7).
"""
