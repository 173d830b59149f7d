"""Use cases: each takes a session and keyword arguments, and raises WarroomError."""
