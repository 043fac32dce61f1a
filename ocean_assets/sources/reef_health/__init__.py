"""Reef sources: Allen Coral Atlas WFS (polygons) and NOAA Coral Reef Watch on ERDDAP (daily grids)."""
