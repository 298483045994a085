"""connec-sync: two-way, real-time record sharing between Connec! and a partner app."""
