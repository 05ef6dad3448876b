"""Run by an interpreter with LiteLLM installed: its Gemini video calls (video_generation,
video_status, video_content) against openreel, changed only in api_base and the key.
Prints a JSON summary on the last line."""

import json
import sys
import time

import litellm

base_url, key, out_path = sys.argv[1:4]
created = litellm.video_generation(model="gemini/veo-3.0-generate-001", prompt="waves rolling onto a beach at sunset",
                                   seconds="4", size="1280x720", api_base=base_url, api_key=key)
status = created.status
while status not in ("completed", "failed"):
    time.sleep(1)
    status = litellm.video_status(video_id=created.id, api_base=base_url, api_key=key).status
content = litellm.video_content(video_id=created.id, api_base=base_url, api_key=key)
with open(out_path, "wb") as out:
    out.write(content)
print(json.dumps({"litellm": litellm.__version__ if hasattr(litellm, "__version__") else "?",
                  "status": status, "bytes": len(content)}))
