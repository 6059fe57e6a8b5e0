"""Built-in stages, one per module; each registers itself by name (see emocurate.stage)."""
