"""The per-frame loop, its threads and its timing: the one place where stages meet.

    source -> tracking -> placement -> character animation -> render -> composite -> outputs

Three worker threads: capture, tracking (MediaPipe + placement), and rendering (animation, render,
composite, outputs). The stages (stages.py) are the same in both ways to run; how frames move between
them is a flow (flows.py), chosen once:
- offline (files): every frame is tracked and rendered, in order, through short queues, so the stages
  still overlap in time;
- live (cameras, streams, the realtime demo): the newest frame wins. Tracking works on the newest frame
  it can get; rendering composites every captured frame with the newest placement.
A failure in one frame is logged and the loop goes on with the last good result.
"""

from arwed.pipeline.channels import LatestSlot
from arwed.pipeline.health import STAGES
from arwed.pipeline.loop import Pipeline, RunReport
from arwed.pipeline.stages import Output, TrackingResult

__all__ = ["STAGES", "LatestSlot", "Output", "Pipeline", "RunReport", "TrackingResult"]
