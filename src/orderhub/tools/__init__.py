"""Tools around the hub, not part of its service: demo data, simulation, scenarios and the
labelled defect corpus."""
