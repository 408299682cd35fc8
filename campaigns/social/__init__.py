"""Social campaigns: campaigns, posts and their clearance, channels, publications, the outbox."""
