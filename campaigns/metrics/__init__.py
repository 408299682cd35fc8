"""Measurement: metric snapshots of published posts, KPIs, effectiveness criteria and reports.

The area sits above org, calendar, press and social (DESIGN.md): it reads what they hold and
never changes it. Snapshots are planned for every published publication on a decaying schedule
(``rules.POINTS``), claimed by workers under a lease like the outbox, and rolled up per
publication (``PublicationMetrics``) so that dashboards add up one row per publication instead
of reading the whole series.
"""
