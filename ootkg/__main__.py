from ootkg.cli import main

main()
