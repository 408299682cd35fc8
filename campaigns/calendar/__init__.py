"""Events, anniversaries with their milestone years, planning tasks, holidays and feeds."""
