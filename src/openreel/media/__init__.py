"""Media I/O: MP4 encoding and probing (PyAV, which bundles FFmpeg and libx264), image loading."""
