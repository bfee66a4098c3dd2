"""The run machinery: what one run is (`context`), its stages in order (`stages`), the bridge from an
Airflow task to a stage (`tasks`), embedded Airflow for `recon dag-run` (`local_airflow`), the console
summary (`console`), the `recon screen` command's edge (`screen`) and process-wide switches (`switches`).

Invariant: this is the only package that wires storage, configuration and Airflow to the pure stages
below it (ownership, matching, policy, publish, reconcile, report); nothing below imports from here.
"""
