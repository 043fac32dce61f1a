from ocean_assets.cli import main

main()
