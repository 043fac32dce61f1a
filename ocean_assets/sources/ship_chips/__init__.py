"""External services of the ship_chips domain: AIS (aisstream.io) and Sentinel-2 STAC (Earth Search)."""
