import sys

from mnist_core.cli import main

sys.exit(main())
