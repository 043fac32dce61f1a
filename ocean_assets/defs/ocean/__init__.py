"""Ocean domain: daily NetCDF products, their checks, SST textures, the corruption sweep, sensors."""
