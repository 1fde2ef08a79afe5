"""``python -m player`` is the same as the ``player`` console script."""

from player.cli import main

raise SystemExit(main())
