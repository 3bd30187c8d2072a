"""`python -m bench [--quick] [--out DIR]`: run the benchmarks and write the results."""

import sys

from bench.runner import main

sys.exit(main())
