"""One module per family of rules: each rule's id, title, severity, axis, rationale, fix, controls and risk."""
