"""Liveness of Herald's own processes: the scheduler and the workers beat; /healthz reads it."""
