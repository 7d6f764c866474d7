"""Job execution: the queue implementations, the worker steps and their context."""
