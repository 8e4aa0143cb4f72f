"""The one rule model: conditions (typed keys or CEL), checks, rules of every kind, decision
tables, rule sets and the controlled sentences they can be written in. Pure; no I/O.

One concept per module, imported in one direction (each imports only those above it):

    facts.py        the order as rules see it: RouteOrder, RouteLine, CAPABILITIES (routing
                    plans with the same view; domain/routing/network.py re-exports it)
    expressions.py  CEL expressions: compile once, evaluate on the variables they name
    conditions.py   Condition (when a rule applies) and its matching on a RouteOrder
                      <- expressions, facts
    customs.py      per-destination declared-value limits with their sources (C4's table)
    compliance.py   the four checks compliance packs are made of (value_cap, ...)
                      <- domain.order, customs (it reads checks.cross_border_basis when run)
    checks.py       the 18 built-in validation checks, ValidationContext, CHECKS
                      <- domain.order, domain.inventory, customs, compliance
    validation.py   a check rule (Rule, Level, typed params), DEFAULT_RULES, validate()
                      <- checks, conditions, facts
    model.py        the rule of every kind (RoutingRule = Condition -> Action), its JSON
                    document (parse_rule, rule_doc, Vocabulary), to_check()
                      <- conditions, checks, validation, expressions, facts
    effects.py      what routing rules say for an order: RuleBook, matching, excluded_by
                      <- model, facts
    tables.py       decision tables: one document, one rule per row   <- model, conditions
    rule_sets.py    rule sets: lifecycle, canary slices, contradictions, sandbox arms
                      <- model, conditions, facts
    language.py     rules written as sentences (Chinese or English) -> rule documents

Outside the package, rules read only `domain/routing/lanes.py` (region names, a leaf with
no imports); the routing planners (`routing/network.py`, `streaming.py`, `strategy.py`)
import rules, never the other way round.
"""
