from tools.groom.default_character import main

raise SystemExit(main())
