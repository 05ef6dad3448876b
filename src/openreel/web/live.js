// Live playback: the video plays while it is still being made. The server sends it as fragmented
// MP4 (GET operations/{id}:live) as it is encoded; a MediaSource takes each piece as it arrives,
// so the <video> starts about a second after rendering does. fetch() carries the key in its header.
import { send } from "./api.js";

// Resolves true once the stream has been played to its end, false when this browser cannot play
// it live (the finished file is shown instead); rejects when the stream breaks.
export async function playLive(video, operationId, signal) {
  const response = await send(`/v1beta/operations/${operationId}:live`, { signal });
  const type = response.headers.get("Content-Type") || "";
  if (!window.MediaSource || !MediaSource.isTypeSupported(type)) {
    await response.body.cancel();
    return false;
  }
  const source = new MediaSource();
  const url = URL.createObjectURL(source);
  video.src = url;
  video.hidden = false;
  await new Promise((resolve) => source.addEventListener("sourceopen", resolve, { once: true }));
  const buffer = source.addSourceBuffer(type);
  const reader = response.body.getReader();
  let started = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer.appendBuffer(value);
    await new Promise((resolve) => buffer.addEventListener("updateend", resolve, { once: true }));
    if (!started && buffer.buffered.length && buffer.buffered.end(0) > 0.5) {
      started = true;
      video.play().catch(() => {});
    }
  }
  source.endOfStream();
  return true;
}
