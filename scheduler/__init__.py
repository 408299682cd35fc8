"""The APScheduler clock process and the outbox workers."""
