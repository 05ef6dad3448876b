"""Run by the google-genai 2.x interpreter (its own venv): a Gemini-API round trip, unmodified
SDK code with only base_url and the key changed. Prints a JSON summary on the last line."""

import json
import sys
import time

from google import genai
from google.genai import types

base_url, key, out_dir = sys.argv[1:4]
client = genai.Client(api_key=key, http_options=types.HttpOptions(base_url=base_url))
operation = client.models.generate_videos(
    model="veo-3.0-generate-001",
    prompt="A serene mountain lake at dawn, mist rising over still water, slow pan from left to right",
    config=types.GenerateVideosConfig(number_of_videos=2, duration_seconds=4, aspect_ratio="16:9",
                                      resolution="720p", negative_prompt="blurry"),
)
created = operation.name
while not operation.done:
    time.sleep(1)
    operation = client.operations.get(operation)
saved = []
for index, generated in enumerate(operation.response.generated_videos):
    client.files.download(file=generated.video)
    path = f"{out_dir}/gemini_{index}.mp4"
    generated.video.save(path)
    saved.append({"path": path, "uri": generated.video.uri})
print(json.dumps({"sdk": genai.__version__, "created": created, "error": operation.error, "videos": saved}))
