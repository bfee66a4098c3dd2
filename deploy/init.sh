#!/usr/bin/env bash
# airflow-init (docker-compose.yml): everything the long-running services need, idempotently.
set -euo pipefail

# Without a Fernet key Airflow stores connection passwords in clear: refuse, whatever set the variable.
if [[ -z "${AIRFLOW__CORE__FERNET_KEY:-}" ]]; then
    echo "AIRFLOW__CORE__FERNET_KEY is empty: set AIRFLOW_FERNET_KEY in .env (README, Production stack)" >&2
    exit 1
fi

airflow db migrate
# Buckets, the connections file and (unless RECON_SEED_DEMO=0) the demo world and its configuration.
python -m deploy.stack
airflow connections import /tmp/recon-connections.json --overwrite
rm -f /tmp/recon-connections.json
airflow variables set recon_config "${RECON_CONFIG}"
# Resolve and match hold the run's largest frames: one at a time (the DAG's HEAVY_POOL).
airflow pools set recon_heavy 1 "resolve_ownership and match_tenants, one at a time (memory)"
echo "airflow-init done"
