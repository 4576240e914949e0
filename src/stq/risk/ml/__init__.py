"""Learned declaration-risk model (polars, numpy, LightGBM — no Django models or settings: the explanation
sentences are lazy texts of ``core.texts``, rendered only where a language is active).

Modules:

* :mod:`.dataset`  — read the customs-declaration CSV layout with the right types.
* :mod:`.features` — feature groups and leak-free historical encodings.
* :mod:`.model`    — the dual model (fraud classifier + duty-at-stake regressor), artefact, explanations.
* :mod:`.wording`  — feature names and explanation sentences, as codes with parameters.
* :mod:`.metrics`  — precision@k, revenue@k and the evaluation table.
* :mod:`.evaluate` — train on the train files, score the test file, print the table with baselines.
"""
