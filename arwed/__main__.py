from arwed.cli import main

raise SystemExit(main())
