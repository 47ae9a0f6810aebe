"""Pure core: the policy model, engines and value objects. No I/O, no clock, no environment."""
