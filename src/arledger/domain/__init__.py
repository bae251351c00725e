"""Pure ledger rules: entry types, money, limits, errors. No I/O, no clock."""
