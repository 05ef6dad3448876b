// openreel playground: talks to this server's Gemini-shaped API with the key from the box.
"use strict";
const $ = (id) => document.getElementById(id);
const keyBox = $("api-key");
keyBox.value = localStorage.getItem("openreel-key") || "";
keyBox.addEventListener("change", () => { localStorage.setItem("openreel-key", keyBox.value.trim()); loadModels(); loadRecent(); });

const key = () => keyBox.value.trim();
const withKey = (path) => `${path}${path.includes("?") ? "&" : "?"}key=${encodeURIComponent(key())}`;

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { "Content-Type": "application/json", "x-goog-api-key": key() } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = body.error || {};
    const fields = (error.details || []).flatMap((d) => d.fieldViolations || []).map((v) => `${v.field}: ${v.description}`);
    throw new Error(`${error.status || response.status}: ${error.message || response.statusText}${fields.length ? " (" + fields.join("; ") + ")" : ""}`);
  }
  return body;
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

async function loadRecent() {
  if (!key()) return;
  const { operations = [] } = await api("/v1beta/operations?pageSize=12").catch(() => ({}));
  const items = await Promise.all(operations.filter((op) => op.done && !op.error).map(async (op) => {
    const full = await api(`/v1beta/${op.name}`).catch(() => null);
    const sample = full?.response?.generateVideoResponse?.generatedSamples?.[0];
    if (!sample) return "";
    const id = fileId(sample.video.uri);
    const when = new Date(op.metadata.createTime).toLocaleString();
    return `<li><a href="${withKey(`/v1beta/files/${id}:download?alt=media`)}"><img alt="thumbnail" src="${withKey(`/v1beta/files/${id}:thumbnail`)}"></a><span>${op.metadata.model} · ${when}</span></li>`;
  }));
  $("recent").innerHTML = items.join("");
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
    follow(op);
  } catch (e) { showError(e.message); $("submit").disabled = false; }
});

function follow(op) {
  $("job").hidden = false; $("result").hidden = true; $("download").hidden = true;
  $("progress").value = 0; $("status").textContent = describe(op.metadata || {});
  const id = op.name.split("/").pop();
  const events = new EventSource(withKey(`/v1beta/operations/${id}:stream`));
  events.addEventListener("progress", (e) => {
    const meta = JSON.parse(e.data).metadata;
    $("status").textContent = describe(meta);
    $("progress").value = meta.progressPercent || 0;
  });
  events.addEventListener("done", (e) => {
    events.close();
    $("submit").disabled = false;
    const done = JSON.parse(e.data);
    if (done.error) { showError(`Generation failed: ${done.error.message}`); $("status").textContent = "Failed"; return; }
    const samples = done.response.generateVideoResponse.generatedSamples || [];
    if (!samples.length) { $("status").textContent = "Filtered: no video returned"; return; }
    const url = withKey(`/v1beta/files/${fileId(samples[0].video.uri)}:download?alt=media`);
    $("progress").value = 100;
    $("status").textContent = done.metadata.enhancedPrompt ? `Done: ${done.metadata.enhancedPrompt}` : "Done";
    $("result").src = url; $("result").hidden = false; $("result").play();
    $("download").href = url; $("download").hidden = false;
    loadRecent();
  });
  events.onerror = () => { events.close(); $("submit").disabled = false; showError("Lost the progress stream; the operation is still listed under Recent."); };
}

loadModels();
loadRecent();
