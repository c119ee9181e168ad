"""arwed.compositing"""
