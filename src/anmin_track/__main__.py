from anmin_track.cli import main

main()
