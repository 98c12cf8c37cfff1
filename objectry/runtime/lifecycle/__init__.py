"""Lead capture and lifecycle: bulk writes, imports and exports, duplicate rules,
merge, conversion and web-to-lead forms, all through the records service."""
