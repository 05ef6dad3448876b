"""Videos made of several engine calls and joined into one clip: long videos built from segments
(each continuing from the last frames of the one before) and storyboards (a call per scene)."""
