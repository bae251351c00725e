"""Cash application from bank statements: file formats, the matcher, the
ground-truth statement generator, and the import and match steps over a Ledger."""
