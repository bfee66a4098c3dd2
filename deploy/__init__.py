"""Deployment of the production stack (docker-compose.yml): the Airflow image, the init service's setup.

Invariant: what the init service sets up (buckets, connection ids, the demo run configuration) is defined
once here and used as is by the scheduler end-to-end test (tests/production/).
"""
