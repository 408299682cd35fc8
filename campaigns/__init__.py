"""Herald's domain: models, rules, services and queries, free of any web, bot or scheduler code."""
