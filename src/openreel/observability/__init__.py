"""What the server tells its operators: logs (with secrets redacted), and later metrics and traces."""
