#!/usr/bin/env bash
# airflow-init (docker-compose.yml): everything the long-running services need, idempotently.
set -euo pipefail

airflow db migrate
# Buckets, the connections file and (unless RECON_SEED_DEMO=0) the demo world and its configuration.
python -m deploy.stack
airflow connections import /tmp/recon-connections.json --overwrite
rm -f /tmp/recon-connections.json
airflow variables set recon_config "${RECON_CONFIG}"
echo "airflow-init done"
