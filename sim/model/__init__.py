"""The science of restoresim: pure, vectorised numpy functions with no I/O and no state.

Arrays follow one axis order, ``(row, year)``, where a row is one (proposal, draw) pair
flattened from ``(proposal, draw)``. Per-row parameters are 1-D arrays of length ``n`` (or
scalars that broadcast). Units are in the argument names and in brackets in the docstrings.
The exact arithmetic is fixed in ``SPEC.md`` beside this file; ``sim/reference.py`` implements
the same equations with plain loops as a cross-check.

Modules: ``draws`` (random inputs), ``schedule`` (extraction and disturbance), ``cost``,
``recovery``, ``finance``.
"""
