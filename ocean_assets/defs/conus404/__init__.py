"""conus404: hourly CONUS404 -> validated daily NetCDF + summary table (see docs/conus404.md)."""
