"""National online conferences: the organiser's board, the sites' own pages, the programme."""
