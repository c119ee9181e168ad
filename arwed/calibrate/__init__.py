"""arwed.calibrate"""
