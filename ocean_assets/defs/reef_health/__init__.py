"""reef_health domain: reef polygons, CRW grids, spatial join, scores upserted into the database."""
