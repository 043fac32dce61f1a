"""Ocean domain logic: NetCDF products (sst, currents, acidity, microplastics)."""
