"""arwed.capture"""
