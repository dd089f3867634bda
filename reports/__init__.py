"""Report builders (selectors -> context -> template -> PDF / Excel) and submissions up the hierarchy."""
