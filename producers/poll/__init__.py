"""The polling change source (`connec-sync poll`): for a partner app that sends no events, read
what changed since a cursor kept in the store and publish it to the to-connec queues."""
