"""`python -m admin …`: the operators' connection tool."""

from admin.connections import main

raise SystemExit(main())
