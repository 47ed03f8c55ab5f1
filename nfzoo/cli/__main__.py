import sys

from nfzoo.cli import main

sys.exit(main())
