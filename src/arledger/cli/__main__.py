"""`python -m arledger.cli ...`: the `arledger` command."""

import sys

from arledger.cli.app import main

sys.exit(main())
