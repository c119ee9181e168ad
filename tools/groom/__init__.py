"""The generator of arwed's default character: `python -m tools.groom [PATH]` (from the repository root)
writes arwed/assets/characters/groom.glb, byte for byte the committed file."""
