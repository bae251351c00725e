"""Cash application from bank statements (issue 19): file formats, the matcher, the ground-truth statement generator."""
