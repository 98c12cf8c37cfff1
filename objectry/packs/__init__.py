"""Industry packs: signed bundles of metadata, functions and sample data."""
