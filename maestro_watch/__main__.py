from maestro_watch.cli.main import main

main()
