"""Schema sync, the records service, the filter compiler, and (later) automation."""
