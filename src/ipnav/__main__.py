"""``python -m ipnav`` runs the command line."""

from ipnav.cli import main

main()
