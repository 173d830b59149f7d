"""The public status page: what is published, components, maintenance, subscribers, and
the public snapshot every public response is made from."""
