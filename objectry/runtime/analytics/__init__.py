"""Analytics: aggregates over records through the caller's access, roll-ups,
attribution and campaign ROI."""
