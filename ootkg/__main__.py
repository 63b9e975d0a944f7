from ootkg.fastpath import main

main()
