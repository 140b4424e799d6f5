"""Panel meetings: papers dispatched 5 working days before, and the officer's warnings."""
