"""emgmap: live surface-EMG muscle-imbalance assessment."""

__version__ = "0.1.0"
