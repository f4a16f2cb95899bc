import sys

from ensemble.devstack.runner import main

sys.exit(main())
