"""arwed.tracking"""
