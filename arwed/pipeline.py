"""arwed.pipeline"""
