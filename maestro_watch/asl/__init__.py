"""Amazon States Language: parsing with positions, placeholders and validation."""
