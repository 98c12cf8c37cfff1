"""``python -m objectry`` is the ``objectry`` command."""

from objectry.platform.cli import main

main()
