"""The programme of work: annual plans and their activities, conferences and their sites."""
