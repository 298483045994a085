"""The two outside systems as stateful in-memory sandboxes: Connec! (`sandboxes.connec`) and the
reference partner app (`sandboxes.partner`)."""
