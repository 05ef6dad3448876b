"""Run by an interpreter with LiteLLM installed: its OpenAI video path (video_generation with an
openai/ model, video_status, video_list, video_remix, video_content) against openreel's
/v1/videos, changed only in api_base and the key. Prints a JSON summary on the last line."""

import json
import sys
import time

import litellm

base_url, key, out_path = sys.argv[1:4]
api = {"api_base": base_url + "/v1", "api_key": key}


def finished(video_id: str) -> str:
    while True:
        status = litellm.video_status(video_id=video_id, **api).status
        if status not in ("queued", "in_progress"):
            return status
        time.sleep(0.5)


created = litellm.video_generation(model="openai/sora-2", prompt="waves rolling onto a beach at sunset",
                                   seconds="4", size="1280x720", **api)
status = finished(created.id)
remix = litellm.video_remix(video_id=created.id, prompt="the same beach under a storm", **api)
remix_status = finished(remix.id)
listed = litellm.video_list(limit=10, **api)
content = litellm.video_content(video_id=created.id, **api)
with open(out_path, "wb") as out:
    out.write(content)
print(json.dumps({"status": status, "remix_status": remix_status, "bytes": len(content),
                  "listed": len(listed["data"]), "object": listed["object"]}))
