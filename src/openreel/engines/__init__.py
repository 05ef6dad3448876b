"""Generation engines: turn a GenerationRequest into frames and audio. See base.Engine."""
