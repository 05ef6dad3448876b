// A finished operation's first video, whichever surface made it. Each surface renders its
// operations in its own shape (spec §3.5, §4.4):
//   Gemini  models/M/operations/ID, polled with GET; the response names files
//           (…/files/ID:download), fetched here with the key header.
//   Vertex  [projects/P/locations/L/]publishers/google/models/M/operations/UUID, polled with
//           POST M:fetchPredictOperation; the response carries the MP4 inline as base64, or a
//           gs:// URI when the caller set storageUri (which a browser cannot read; the
//           metadata's videoFiles name openreel's own copy, fetched like a Gemini file).
//   OpenAI's /v1/videos and the Interactions API: operations/ID, which the native API renders
//           as Gemini renders its own.
// A video is {filename, blob(), thumbnail()}: blob() resolves to the MP4, thumbnail() to an
// object URL of a still image.
import { api, send } from "./api.js";

// Only the file id at the end of a Gemini URI's path is used (read as domain/naming.py's
// file_id_from_uri reads it): its scheme and host are whatever the server was reached by, or told
// to hand out, and the page fetches from its own origin.
export const fileId = (uri) => (uri.match(/(?:^|\/)files\/([a-z0-9]+)(?::download)?(?:\?.*)?$/) || [])[1];

export function geminiFile(id) {
  return {
    filename: `${id}.mp4`,
    blob: async () => (await send(`/v1beta/files/${id}:download?alt=media`)).blob(),
    thumbnail: async () => URL.createObjectURL(await (await send(`/v1beta/files/${id}:thumbnail`)).blob()),
  };
}

export const isVertex = (name) => !name.startsWith("models/") && !name.startsWith("operations/");

// Which API made the operation, for its label: "Vertex", "OpenAI", "Interactions", or "" (Gemini).
export function frontLabel(op) {
  const front = { openai: "OpenAI", interactions: "Interactions" }[op.metadata?.front];
  return front || (isVertex(op.name) ? "Vertex" : "");
}

// The operation's video, or null when it has none the page can fetch (filtered, or in gs://).
export async function operationVideo(name) {
  return isVertex(name) ? vertexVideo(name) : geminiVideo(name);
}

async function geminiVideo(name) {
  const op = await api(`/v1beta/${name}`);
  const uri = op.response?.generateVideoResponse?.generatedSamples?.[0]?.video?.uri;
  const id = uri && fileId(uri);
  return id ? geminiFile(id) : null;
}

async function vertexVideo(name) {
  const model = name.slice(0, name.lastIndexOf("/operations/"));
  const op = await api(`/v1/${model}:fetchPredictOperation`,
    { method: "POST", body: JSON.stringify({ operationName: name }) });
  // openreel names its own copy of every video in the metadata: a storageUri operation's
  // video (in a bucket the browser cannot read) is fetched by that file id.
  const kept = op.metadata?.videoFiles?.[0];
  const inline = (op.response?.videos || []).find((v) => v.bytesBase64Encoded);
  if (!inline) return kept ? geminiFile(kept.replace(/^files\//, "")) : null;
  const mp4 = new Blob([decodeBase64(inline.bytesBase64Encoded)], { type: inline.mimeType || "video/mp4" });
  return { filename: `${name.split("/").pop()}.mp4`, blob: async () => mp4, thumbnail: () => firstFrame(mp4) };
}

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// The first frame as a JPEG object URL, decoded here: the server's :thumbnail route takes a
// Gemini file id, which a Vertex answer does not carry.
function firstFrame(mp4) {
  return new Promise((resolve, reject) => {
    const video = document.createElement("video");
    const source = URL.createObjectURL(mp4);
    const release = () => { URL.revokeObjectURL(source); video.removeAttribute("src"); video.load(); };
    video.muted = true;
    video.preload = "auto";
    video.addEventListener("loadeddata", () => {
      const canvas = document.createElement("canvas");
      canvas.width = 320;
      canvas.height = Math.round(320 * video.videoHeight / video.videoWidth) || 180;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      release();
      canvas.toBlob((jpeg) => (jpeg ? resolve(URL.createObjectURL(jpeg)) : reject(new Error("no frame"))), "image/jpeg", 0.85);
    }, { once: true });
    video.addEventListener("error", () => { release(); reject(new Error("the video does not decode")); }, { once: true });
    video.src = source;
  });
}
