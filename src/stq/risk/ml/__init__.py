"""Learned declaration-risk model (pure Python: polars, numpy, LightGBM — no Django).

Modules:

* :mod:`.dataset`  — read the customs-declaration CSV layout with the right types.
* :mod:`.features` — feature groups and leak-free historical encodings.
* :mod:`.model`    — the dual model (fraud classifier + duty-at-stake regressor), artefact, explanations.
* :mod:`.metrics`  — precision@k, revenue@k and the evaluation table.
* :mod:`.evaluate` — train on the train files, score the test file, print the table with baselines.
"""
