"""Measuring the hub: labelled channel-order corpora and their detection scores."""
