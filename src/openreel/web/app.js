// openreel playground: talks to this server's Gemini-shaped API with the key from the box.
// The key travels only in the x-goog-api-key header, never in a URL: URLs end up in access logs,
// browser history and Referer headers. So the progress stream is read with fetch() rather than
// EventSource (which cannot send headers), and videos and thumbnails are fetched into blob: URLs.
"use strict";
const $ = (id) => document.getElementById(id);
const keyBox = $("api-key");
keyBox.value = localStorage.getItem("openreel-key") || "";
keyBox.addEventListener("change", () => { localStorage.setItem("openreel-key", keyBox.value.trim()); loadModels(); loadRecent(); });

const key = () => keyBox.value.trim();

async function failure(response) {
  const body = await response.json().catch(() => ({}));
  const error = body.error || {};
  const fields = (error.details || []).flatMap((d) => d.fieldViolations || []).map((v) => `${v.field}: ${v.description}`);
  return new Error(`${error.status || response.status}: ${error.message || response.statusText}${fields.length ? " (" + fields.join("; ") + ")" : ""}`);
}

async function send(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...options.headers, "x-goog-api-key": key() } });
  if (!response.ok) throw await failure(response);
  return response;
}

async function api(path, options = {}) {
  const response = await send(path, { ...options, headers: { "Content-Type": "application/json" } });
  return response.json().catch(() => ({}));
}

// Object URLs pin their blob in memory until revoked, so each slot of the page (the result
// video, the Recent thumbnails) revokes the URLs it held when it gets new ones.
const objectUrls = new Map();
function replaceObjectUrls(slot, urls) {
  for (const url of objectUrls.get(slot) || []) URL.revokeObjectURL(url);
  objectUrls.set(slot, urls);
  return urls;
}

async function blobUrl(path) {
  const response = await send(path);
  return URL.createObjectURL(await response.blob());
}

// Server-sent events over fetch(): calls onEvent(name, data) per event; resolves when the stream ends.
async function readEvents(path, onEvent, signal) {
  const response = await send(path, { signal, headers: { Accept: "text/event-stream" } });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));  // comment-only blocks are keep-alives
    }
  }
}

function showError(message) { $("error").textContent = message; $("error").hidden = !message; }

async function loadModels() {
  if (!key()) return;
  try {
    const { models } = await api("/v1beta/models");
    const chosen = $("model").value || "veo-3.0-generate-001";  // keep the user's choice on reload
    $("model").innerHTML = models.map((m) => {
      const id = m.name.replace("models/", "");
      return `<option value="${id}" ${id === chosen ? "selected" : ""}>${id} (${m.engine})</option>`;
    }).join("");
    showError("");
  } catch (e) { showError(e.message); }
}

const fileId = (uri) => (uri.match(/files\/([a-z0-9]+)/) || [])[1];
const downloadPath = (id) => `/v1beta/files/${id}:download?alt=media`;

async function loadRecent() {
  if (!key()) return;
  const { operations = [] } = await api("/v1beta/operations?pageSize=12").catch(() => ({}));
  const items = await Promise.all(operations.filter((op) => op.done && !op.error).map(async (op) => {
    const full = await api(`/v1beta/${op.name}`).catch(() => null);
    const sample = full?.response?.generateVideoResponse?.generatedSamples?.[0];
    if (!sample) return null;
    const thumbnail = await blobUrl(`/v1beta/files/${fileId(sample.video.uri)}:thumbnail`).catch(() => null);
    return { id: fileId(sample.video.uri), thumbnail, label: `${op.metadata.model} · ${new Date(op.metadata.createTime).toLocaleString()}` };
  }));
  const shown = items.filter((item) => item && item.thumbnail);
  replaceObjectUrls("recent", shown.map((item) => item.thumbnail));
  $("recent").replaceChildren(...shown.map((item) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.title = "Play this video";
    button.addEventListener("click", () => showVideo(item.id).catch((e) => showError(e.message)));
    const img = document.createElement("img");
    img.alt = "thumbnail";
    img.src = item.thumbnail;
    const span = document.createElement("span");
    span.textContent = item.label;
    button.append(img);
    li.append(button, span);
    return li;
  }));
}

// Fetches the MP4 with the key header and plays it; the download link reuses the same blob.
async function showVideo(id) {
  const [url] = replaceObjectUrls("result", [await blobUrl(downloadPath(id))]);
  $("job").hidden = false;
  $("result").src = url; $("result").hidden = false; $("result").play().catch(() => {});
  $("download").href = url; $("download").download = `${id}.mp4`; $("download").hidden = false;
}

async function imageField() {
  const file = $("image").files[0];
  if (!file) return undefined;
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { bytesBase64Encoded: btoa(binary), mimeType: file.type || "image/png" };
}

function describe(meta) {
  if (meta.state === "QUEUED") return `Queued at position ${(meta.queuePosition || 0) + 1}`;
  if (meta.state === "RUNNING") return `Rendering… ${meta.progressPercent || 0}%`;
  return meta.state;
}

$("generate").addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const instance = { prompt: $("prompt").value };
  const image = await imageField();
  if (image) instance.image = image;
  const parameters = {
    durationSeconds: Number($("duration").value), aspectRatio: $("aspect").value,
    resolution: $("resolution").value, generateAudio: $("audio").checked,
  };
  if ($("negative-prompt").value) parameters.negativePrompt = $("negative-prompt").value;
  if ($("seed").value !== "") parameters.seed = Number($("seed").value);
  $("submit").disabled = true;
  try {
    const op = await api(`/v1beta/models/${$("model").value}:predictLongRunning`,
      { method: "POST", body: JSON.stringify({ instances: [instance], parameters }) });
    await follow(op);
  } catch (e) { showError(e.message); }
  $("submit").disabled = false;
});

let following = null;  // the AbortController of the progress stream being read

async function follow(op) {
  following?.abort();
  following = new AbortController();
  $("job").hidden = false; $("result").hidden = true; $("download").hidden = true;
  $("progress").value = 0; $("status").textContent = describe(op.metadata || {});
  const id = op.name.split("/").pop();
  let done = null;
  try {
    await readEvents(`/v1beta/operations/${id}:stream`, (name, data) => {
      if (name === "progress") {
        $("status").textContent = describe(data.metadata);
        $("progress").value = data.metadata.progressPercent || 0;
      } else if (name === "done") {
        done = data;
      }
    }, following.signal);
  } catch (e) {
    if (e.name === "AbortError") return;
    throw new Error(`Lost the progress stream (${e.message}); the operation is still listed under Recent.`);
  }
  if (!done) throw new Error("Lost the progress stream; the operation is still listed under Recent.");
  if (done.error) { $("status").textContent = "Failed"; throw new Error(`Generation failed: ${done.error.message}`); }
  const samples = done.response.generateVideoResponse.generatedSamples || [];
  if (!samples.length) { $("status").textContent = "Filtered: no video returned"; return; }
  $("progress").value = 100;
  $("status").textContent = done.metadata.enhancedPrompt ? `Done: ${done.metadata.enhancedPrompt}` : "Done";
  await showVideo(fileId(samples[0].video.uri));
  loadRecent();
}

loadModels();
loadRecent();
