"""Pure values and KRX market rules. No I/O, no wall clock."""
