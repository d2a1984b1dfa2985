"""The hall display (大厅叫号屏): ``python -m display --server URL``."""
