"""The all-in-one demo behind `make run`: both sandboxes, the receiver and every consumer in one
process, seeded books and simulated users, so a newcomer sees records flow both ways."""
