"""Reef health logic: spatial join of CRW grids with reef polygons, scoring, persistence."""
