"""arwed.characters"""
