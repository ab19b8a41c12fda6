"""Looking inside a classifier: layer outputs, attribution maps, nearest training digits, pictures."""
