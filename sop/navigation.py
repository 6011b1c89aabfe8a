"""The sop app's entries in the top navigation (see core.navigation); each part registers its own below."""
