"""arwed.sinks"""
