"""Shipping documents rendered: built-in carrier layouts (`layouts/*.json`, `builtin.py`), PDF
with Code128 barcodes and the CJK font STSong-Light (`pdf.py`, reportlab), ZPL II for
thermal printers (`zpl.py`, plain text)."""
