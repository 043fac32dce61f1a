"""Pure logic of the ship_chips domain: overpasses, chipping, gate, index, STAC, reports."""
