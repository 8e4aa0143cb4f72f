"""Shipping documents (issue 19 part 4): carrier label layouts (`layouts.py`) and the labels
and packing lists produced at release, reprinted and printed for a wave (`documents.py`)."""
