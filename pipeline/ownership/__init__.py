"""Ownership: read BODS statements, build the ownership graph, and resolve it under the policy.

Invariant: everything here is a pure function of its inputs (DataFrames, streams handed in, the policy
and the as-of date): no storage, no clock, no Airflow.
"""
