"""Social campaigns: campaigns, posts and their clearance, channels, publications, the outbox.

- ``platform``: the vocabulary shared with the adapters in ``bots/`` (errors, posts, the client
  protocol, fingerprints).
- ``models``: campaigns, posts, variants, attachments, channels, rate budgets, publications and
  their attempts, sandbox posts, notifications.
- ``rules``: pure rules (clearance, platform formats, audience-local send times, retries).
- ``services``: campaigns, posts and variants, four-eyes clearance.
- ``scheduling``: scheduling cleared posts, retry/release/cancel, the calendar's hooks
  (``reschedule_for_event``, ``hold_for_cancelled_event``).
- ``channels``: channels, their encrypted credentials and health, the sandbox platform.
- ``outbox``: what workers call: claim, record success or failure, reconcile.
- ``queries``: reads for the web, the API, the bot and the scheduler.
- ``credentials``, ``notifications``: encryption at rest; alerts for people.
"""
