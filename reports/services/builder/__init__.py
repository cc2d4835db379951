"""The comparison report of a month, built from the stored snapshots.

- ``data``: the snapshots of the history window, converted, and the tallies of every group.
- ``sections``: what each group shows (series, cumulative cost, forecast, break-even, checklist).
- ``time_to_value``: days from an engagement's start to value.
- ``report``: the payload, its fingerprint, and storing it (``report_build``).
"""
