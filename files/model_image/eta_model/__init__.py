"""The ETA model image: `train` and `serve`, SageMaker's two container contracts."""
