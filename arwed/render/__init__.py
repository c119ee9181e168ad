"""arwed.render"""
