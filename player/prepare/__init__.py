"""Key and tempo, prepared ahead of the show: stems shifted and stretched offline into a cache (issue 14)."""
