"""Generated wire modules (scripts/gen-proto): the one copy of each in a process."""
