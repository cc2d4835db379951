"""REST API of the reports app: snapshots, comparison reports and recompute commands."""
