"""The one rule model: conditions (typed keys or CEL), checks, routing rules, rule sets and
the controlled sentences they can be written in. Pure; no I/O."""
