"""Airflow's local settings for this deployment (Airflow imports this module from `$AIRFLOW_HOME/config`
in every one of its processes).

The scheduler imports the pipeline's libraries before its LocalExecutor forks the workers that fork the
task processes, so no task pays for them again (`pipeline.run.preload`). Only the scheduler: the
api-server and the dag-processor never run a stage.
"""

import sys

if sys.argv[1:2] == ["scheduler"]:
    from pipeline.run.preload import preload

    preload()

# Nothing here is a cluster policy or a setting for Airflow to pick up.
__all__: list[str] = []
