import sys

from fuzzir.cli import main

sys.exit(main())
