"""Pure maths of the SLA engine: intervals, coverage calendars, clocks, uptime, credits.

No database: every function takes plain values and returns plain values, so
the rules in docs/definitions.md can be tested exhaustively. Months, zones and
wall clocks come from kernel.months (its docstring states the DST rules).

- ``intervals``: half-open ``[start, end)`` pairs of aware datetimes, merged,
  clipped and subtracted. Naive datetimes are refused. Everything is converted
  to UTC before any arithmetic, because Python subtracts and compares two
  datetimes that share a tzinfo on their wall clocks, which is wrong across a
  DST change.
- ``coverage``: when a calendar is open (24x7, or working hours per weekday in
  a zone, minus holidays). An end of ``None`` means 24:00, the next local
  midnight, so a calendar open 00:00-24:00 every day equals a 24x7 calendar.
- ``clocks``: business time elapsed, deadlines and a clock's verdict.
- ``uptime`` and ``credits``: a window's exact uptime and the credit tier it
  falls in.

Durations are ``timedelta`` (exact integer microseconds); percentages are
``Decimal``. No floats anywhere.
"""
