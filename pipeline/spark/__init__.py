"""The two heavy stages (ownership resolution, matching) on Apache Spark, with the local engine's results.

pyspark is the optional `spark` extra: nothing outside this package imports it, and this package is
imported only when the run configuration says `engine: spark`.
"""
