"""Cash application from bank statements (issue 19): file formats, the matcher, the
ground-truth statement generator, and the import and match steps over a Ledger."""
