"""Who can be reached: people and teams (config and stored), schedules and who is on call."""
