"""Camera models, placement in metres, the floor, and filters. Pure numpy/OpenCV: no Qt, no GL."""
