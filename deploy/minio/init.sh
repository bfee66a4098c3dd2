#!/bin/sh
# minio-init (docker-compose.yml): the pipeline's own MinIO user, limited to the pipeline's two buckets
# (recon-pipeline-policy.json), so no Airflow connection holds MinIO's root credentials. Only this one-shot
# job sees them. Idempotent: buckets, policy and user are created or updated on every start.
set -eu

: "${MINIO_PIPELINE_USER:?the pipeline's MinIO user (MINIO_PIPELINE_USER) is empty}"
: "${MINIO_PIPELINE_PASSWORD:?the pipeline's MinIO password (MINIO_PIPELINE_PASSWORD) is empty}"
if [ "${MINIO_PIPELINE_USER}" = "${MINIO_ROOT_USER}" ]; then
    echo "MINIO_PIPELINE_USER must not be the root user ${MINIO_ROOT_USER}" >&2
    exit 1
fi

mc alias set local "${MINIO_ENDPOINT}" "${MINIO_ROOT_USER}" "${MINIO_ROOT_PASSWORD}" >/dev/null
# The AWS partner's bucket and our operations bucket (deploy/stack.py: AWS_BUCKET, OPS_BUCKET).
mc mb --ignore-existing local/recon-aws-marketplace local/recon-ops
mc admin policy create local recon-pipeline /opt/recon/deploy/minio/recon-pipeline-policy.json
mc admin user add local "${MINIO_PIPELINE_USER}" "${MINIO_PIPELINE_PASSWORD}"
# Attaching a policy the user already has is an error ("already in effect") on a rerun; anything else is not.
if ! out=$(mc admin policy attach local recon-pipeline --user "${MINIO_PIPELINE_USER}" 2>&1); then
    case "${out}" in
        *"already in effect"*) ;;
        *) echo "${out}" >&2; exit 1 ;;
    esac
fi
echo "minio-init done: user ${MINIO_PIPELINE_USER} with policy recon-pipeline"
