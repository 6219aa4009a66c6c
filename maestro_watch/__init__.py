"""maestro: a save-to-live development loop for AWS Step Functions and Lambda."""

__version__ = "0.1.0"
