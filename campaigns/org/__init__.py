"""Units, people, roles, API tokens and the audit log."""
