"""arwed.ui"""
