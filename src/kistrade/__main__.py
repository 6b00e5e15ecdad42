from kistrade.cli import main

main()
