"""Carrier gateways: booking waybills (电子面单) with express carriers' APIs."""
