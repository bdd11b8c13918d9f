"""Operations: backup and restore, the demo register."""
