from ecrtui.cli.main import main

raise SystemExit(main())
