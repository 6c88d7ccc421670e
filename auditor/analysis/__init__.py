"""Pure analysis: snapshot + config -> per-subscription state and findings. No I/O here."""
